from __future__ import annotations

import pytest

from detectors.network import IpAddressDetector


def spans(text: str) -> list[str]:
    return [text[f.start : f.end] for f in IpAddressDetector().detect(text)]


@pytest.mark.parametrize(
    "ip",
    [
        "8.8.8.8",
        "192.168.1.20",
        "10.0.0.1",
        "2001:db8:85a3::8a2e:370:7334",
        "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
        "fe80::1%eth0",
        "::ffff:192.0.2.128",
    ],
)
def test_addresses_found_with_exact_span(ip: str) -> None:
    assert spans(f"Traffic from {ip} was blocked.") == [ip]


def test_address_in_url_and_with_port() -> None:
    assert spans("open http://10.1.2.3:8080/admin") == ["10.1.2.3"]
    assert spans("ssh admin@203.0.113.9") == ["203.0.113.9"]


@pytest.mark.parametrize(
    "text",
    [
        "Upgrade to version 1.2.3.4 today.",
        "Running v1.2.3.4 on all hosts.",
        "User-Agent: Chrome/120.0.6099.109 Safari/537.36",
        "Windows build 10.0.19045.2965",
        "Octets 256.1.1.1 are invalid.",
        "Leading zeros 01.02.03.04 are not addresses.",
        "MAC 00:1A:2B:3C:4D:5E",
        "at 12:30:45 sharp",
        "use std::vector<int> here",
        "a dotted 1.2.3.4.5 sequence",
        "sha 3f2c4e1a9b7d",
    ],
)
def test_ip_hard_negatives(text: str) -> None:
    assert spans(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "The server listens on 0.0.0.0:8080 and 127.0.0.1:5432.",
        "curl http://[::1]:9000/health and bind to ::",
        "subnet mask 255.255.255.0, wildcard 0.0.0.255, broadcast 255.255.255.255",
        "mDNS answers on 224.0.0.251; 240.0.0.1 is reserved",
    ],
)
def test_addresses_that_name_no_host_are_no_personal_data(text: str) -> None:
    assert spans(text) == []


def test_a_host_beside_a_netmask_is_still_found() -> None:
    assert spans("ifconfig eth0 10.20.30.40 netmask 255.255.255.0") == ["10.20.30.40"]


@pytest.mark.parametrize(
    "text",
    [
        "版本 2.5.0.18 修复了登录问题",
        "버전 6.1.0.4 에서 로그인 버그가 고쳐졌어요",
        "根据合同第 3.2.1.4 条，质保期为两年。",
        '{"version": "2.14.1.3", "abschnitt": "4.2.1.7"}',
        '<firmware versao="4.0.1.12" build="20240301.2"/>',
        "Sözleşmenin 5.2.1.3 maddesi gereği teslim süresi 30 gündür.",
        "Согласно пункту 4.1.2.3 договора приёмка оформляется актом.",
        "versi 5.2.0.8 sudah memperbaiki bug login",
    ],
)
def test_versions_and_sections_in_other_languages_are_no_addresses(text: str) -> None:
    assert spans(text) == []


def test_a_version_lines_other_numbers_are_versions_too() -> None:
    text = "Version 2.14.1.3 hat den Speicherfehler, bitte auf 2.14.2.0 gehen; Proxy 10.20.30.40."
    assert spans(text) == ["10.20.30.40"]


def test_a_private_address_is_no_version_for_sharing_a_versions_first_parts() -> None:
    text = "Router firmware version 10.0.0.1 installed; the NAS answers on 10.0.3.7."
    assert spans(text) == ["10.0.3.7"]


@pytest.mark.parametrize(
    "text",
    [
        # A key that ends in a version word, and a comparison with it.
        "SELECT hostname FROM inventory WHERE agent_version < '6.2.0.14' ORDER BY hostname;",
        "app.version=4.11.0.2 build=812",
        'String fw = "4.0.1.12"; // firmware string',
        "App version (e.g. 5.3.1.204): ______",
        # Tables and clauses in other languages; Arabic writes "for the clause" as one word.
        "O capítulo 6.1.2 do manual explica a calibração; a tabela 6.1.2.3 traz os valores.",
        "Siehe Tabelle 4.2.1.3 im Anhang.",
        "وفقاً للبند 3.1.4.2 من العقد تكون مدة الضمان سنتين.",
    ],
)
def test_versions_named_by_keys_tables_and_clauses_are_no_addresses(text: str) -> None:
    assert spans(text) == []


def test_a_slice_of_two_numbers_is_no_ipv6_address() -> None:
    text = "total = sum(digits[0::2]) + sum(digits[1::2]) % 10; peer [2001::1]"
    assert spans(text) == ["2001::1"]


@pytest.mark.parametrize(
    "text",
    [
        "allow 10.0.0.0/8 and 192.168.64.0/18 through the VPN",
        'cidr_blocks = ["10.20.0.0/16", "172.16.0.0/12"]',
        "route 2001:db8:4400::/40 via the transit link",
        "  v6_prefix: 2a02:c7f:1200::/48",
        "aws ec2 authorize-security-group-ingress --cidr 203.0.113.0/24",
    ],
)
def test_a_network_in_cidr_notation_is_no_host(text: str) -> None:
    assert spans(text) == []


def test_a_host_with_its_prefix_length_is_still_found() -> None:
    # An interface's address and its network's size: a host's own address.
    assert spans("eth0: inet 10.20.3.17/16 scope global") == ["10.20.3.17"]
    assert spans("ip -6 addr add 2001:db8:4400::1f/64 dev eth0") == ["2001:db8:4400::1f"]
    # A prefix of the whole length is one host.
    assert spans("deny from 198.51.100.0/32") == ["198.51.100.0"]


@pytest.mark.parametrize(
    "text",
    [
        # Package pins: a package's name, then its version after a comparison or an "@".
        "pip install grpcio-tools==1.62.0.3 fixed the build",
        "opentelemetry-instrumentation-asgi>=0.44.0.1 is what the lock file wants",
        "pyodbc ~= 5.1.0.2",
        "Depends: libssl3 (>= 3.0.13.1), zlib1g (>= 1.2.11.4)",
        "gem 'nokogiri', '~> 1.16.0.2'",
        "npm i @acme/ui-kit@3.14.0.7 --save",
        "yarn add react-native-svg@13.4.0.1 broke the Android build",
        # A version key written in camel case, and its value in brackets.
        "<AssemblyVersion>3.2.0.17</AssemblyVersion>",
        '[assembly: AssemblyFileVersion("4.8.0.3")]',
        '{"appVersion": "5.0.12.3", "osVersion": "17.4.1.2"}',
        # An upgrade's or a rollback's target.
        "We upgraded to 4.11.0.2 last night and rolled back to 4.10.9.1 this morning.",
    ],
)
def test_package_pins_camel_case_keys_and_upgrades_are_versions(text: str) -> None:
    assert spans(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "| Component | Version |\n|---|---|\n| Agent | 7.51.0.1 |\n| Kernel module | 2.1.14.2 |",
        "host,agent_version,os\nweb-01,6.2.0.14,debian\nweb-02,6.2.1.3,debian",
        "Paket\tVersion\nopenssl\t3.0.13.1\nlibcurl\t8.4.0.1",
    ],
)
def test_a_version_columns_values_are_versions(text: str) -> None:
    assert spans(text) == []


def test_a_host_compared_or_tabled_is_still_a_host() -> None:
    # Filters compare addresses ("ip.addr==..."), and a table's address column beside a
    # version column holds hosts.
    assert spans("wireshark filter: ip.addr==10.4.7.21 && tcp.port==443") == ["10.4.7.21"]
    assert spans("ssh ec2-user@203.0.113.5 and deploy@198.51.100.7") == [
        "203.0.113.5",
        "198.51.100.7",
    ]
    table = "| Host | IP | Version |\n|---|---|---|\n| web-01 | 10.0.4.12 | 7.51.0.1 |"
    assert spans(table) == ["10.0.4.12"]


def test_a_column_named_like_a_version_but_not_one_still_holds_hosts() -> None:
    text = "conversion,source\n0.031,10.9.8.7"
    assert spans(text) == ["10.9.8.7"]
    text = "agentVersion\tpeer\n6.2.0.14\t10.9.8.7"
    assert spans(text) == ["10.9.8.7"]


@pytest.mark.parametrize(
    "text",
    [
        "Please upgrade the agent to 4.11.0.2 before Friday.",
        "Bumped the Windows agent from 6.1.0.9 to 6.2.0.14.",
        "The 4.11.0.2 release fixes the memory leak; 4.11.0.3 hotfix is due next week.",
        "The crash was introduced in 3.8.1.4 and fixed in 3.8.2.0.",
    ],
)
def test_a_release_said_in_words_around_it_is_a_version(text: str) -> None:
    assert spans(text) == []


def test_an_address_changed_to_is_still_found() -> None:
    text = "Update the DNS record to 203.0.113.44 and upgrade the proxy host to 10.2.0.9."
    assert spans(text) == ["203.0.113.44", "10.2.0.9"]
