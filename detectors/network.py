"""IPv4 and IPv6 addresses, validated with ``ipaddress``.

IPv4 ``1.2.3.4`` is also the shape of a four-part version number or section number, so a
dotted quad right after such a word ("version", "v", "release", "build", "Abschnitt", "版本",
in some 30 languages, or as their key) is left alone; ``ipaddress`` rejects octets over 255 and
leading zeros, which takes care of most build numbers. Addresses that can name no host or
person are no personal data and are left alone: loopback (``127.0.0.1``, ``::1``), the
unspecified address (``0.0.0.0``, ``::``), IPv4 broadcast, multicast and reserved addresses,
netmasks (``255.255.255.0``, the wildcard ``0.0.0.255``) and networks in CIDR notation
(``10.0.0.0/8``). IPv6 candidates must hold at least one decimal digit and stand apart from
words and colons, so ``std::vector``, MAC addresses and times like ``12:30:45`` are not
addresses.
"""

from __future__ import annotations

import ipaddress
import re

from detectors.base import Finding

# Not after "-" either: "socat-1.5.0.0" is a version.
_IPV4 = re.compile(r"(?<![\w.\-])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\w)")
_IPV6 = re.compile(
    r"[0-9A-Fa-f:]{2,39}(?:(?<=:)\d{1,3}(?:\.\d{1,3}){3})?(?:%[\w.]{1,15})?(?![\w:]|\.\w)"
)
_RANGE_TO = re.compile(r"\s*(?:to|->|→|–|\.\.)\s*")
_HEX_OR_COLON = frozenset("0123456789abcdefABCDEF:")
# Words for a version or a numbered section in the languages of the name lexicon, as a
# word before the number, a key ("version": "2.14.1.3") or an XML attribute (versao="...").
_VERSION_WORDS = (
    "v|version|ver\\.?|release[ds]?|build|firmware|fw|patch|sdk|api|python|node|chrome|ios|android"
    "|section|sec\\.|chapter|clause|step|figure|table|rfc\\s*\\d+|art\\.|article|paragraph"
    "|tabela|tabla|tabelle|tableau|tabel|tabell|tabella|tablo|таблица|таблице|таблицы|جدول|الجدول"
    "|versión|versao|versão|versione|versie|wersja|wersji|sürüm|sürümü|versiyon|versi|verzió"
    "|versjon|phiên bản|bản|toleo|версия|версии|версію|версія|έκδοση|גרסה|גרסת|الإصدار|إصدار"
    "|نسخه|संस्करण|abschnitt|absatz|ziffer|kapitel|artikel|avsnitt|luku|kohta|paragraf|punkt"
    "|rozdział|pasal|bab|bagian|mục|điều|chương|статья|статьи|пункт|пункта|раздел|madde"
    "|bölüm|hoofdstuk|artículo|apartado|cláusula|capítulo|seção|secção|articolo|sezione"
    "|paragraphe|chapitre|punto|item|pkt\\.?|versio|verze|versiunea|versiune|пункту|пунктом"
    "|البند|بند|للبند|بالبند|المادة|للمادة|الفقرة|للفقرة|للجدول|للإصدار|वर्जन|वर्ज़न|खंड|ファームウェア"
    # An upgrade's or a rollback's target: "upgraded to 4.11.0.2", "rolled back to 4.10.9.1".
    "|(?:upgrade[ds]?|upgrading|downgrade[ds]?|downgrading|bump(?:ed|s)?|roll(?:ed)?\\s+back"
    "|rollback|pinned)(?:\\s+(?:to|from))?"
    "|(?:fixed|introduced|shipped|released|regressed|deprecated|removed|added|resolved)\\s+in"
)
# Between the word and the number: a key's quotes and separator, a comparison ("agent_version
# < '6.2.0.14'"), or an example's "(e.g.".
_VERSION_GAP = (
    r"[\"']?\s*(?:[:=<>]|[<>!=]=)?\s*\(?[\"']?\s*"
    r"(?:\((?:e\.\s?g\.|z\.\s?b\.|ex\.|p\.\s?ex\.|np\.|bijv\.|örn\.|напр\.)\s*)?"
)
_VERSION_BEFORE = re.compile(
    # After "_" too: the last word of a key ("agent_version").
    rf"(?:(?:\b|(?<=_))(?:{_VERSION_WORDS}){_VERSION_GAP}"
    # The last word of a key in camel case: "AssemblyFileVersion(", "appVersion".
    rf"|(?<=[a-z])(?-i:Version|Release|Build){_VERSION_GAP}"
    # No word edge in scripts written without spaces: "版本 2.5.0.18", "第 3.2.1.4 条".
    r"|(?:版本号?|バージョン|ビルド|버전|빌드|เวอร์ชัน|第|제|条|節|节)[\"']?\s*[:=：]?\s*[\"']?\s*)$"
    r"|\b[A-Za-z][\w\-]*/$",  # a product token: "Chrome/120.0.6099.109", not "http://"
    re.IGNORECASE,
)


class IpAddressDetector:
    name = "ip_address"
    classes = frozenset({"ip_address"})

    def detect(self, text: str) -> list[Finding]:
        findings = self._ipv6(text) if "::" in text or text.count(":") >= 7 else []
        if "." not in text:
            return findings
        v6 = [(f.start, f.end) for f in findings]
        hosts: list[re.Match[str]] = []
        versions: set[str] = set()  # the first two parts of the text's version numbers
        version_end = -1  # where the last version ended: "from 6.1.0.9 to 6.2.0.14"
        for match in _IPV4.finditer(text):
            start, end = match.span()
            if any(lo <= start and end <= hi for lo, hi in v6):
                continue  # the tail of "::ffff:192.0.2.128"
            if _after_version_word(text, start, end) or (
                version_end >= 0 and _RANGE_TO.fullmatch(text, version_end, start) is not None
            ):
                versions.add(match.group().rsplit(".", 2)[0])
                version_end = end
            elif _host(ipaddress.IPv4Address, match.group()) and not _a_network(text, match):
                hosts.append(match)
        # "Version 2.14.1.3 is broken, go to 2.14.2.0": the text's other numbers of the same
        # version line are versions too, unless private ("version 10.0.0.1", then a host
        # 10.0.3.7: networks are numbered so far more often than releases).
        findings.extend(
            Finding("ip_address", m.start(), m.end(), 0.9, self.name)
            for m in hosts
            if m.group().rsplit(".", 2)[0] not in versions
            or ipaddress.IPv4Address(m.group()).is_private
        )
        return findings

    def _ipv6(self, text: str) -> list[Finding]:
        # Start from the colons (few) instead of trying the regex at every hex letter (many).
        findings = []
        colon = text.find(":")
        while colon >= 0:
            start = colon
            while start > 0 and text[start - 1] in _HEX_OR_COLON:
                start -= 1
            match = None
            if start == 0 or not (text[start - 1].isalnum() or text[start - 1] in "_."):
                match = _IPV6.match(text, start)
            if match and match.group().count(":") >= 2:
                candidate = match.group()
                if (
                    _ipv6_shaped(candidate)
                    and not _subscript(text, match.start(), candidate)
                    and _host(ipaddress.IPv6Address, candidate)
                    and not _a_network(text, match)
                ):
                    findings.append(
                        Finding("ip_address", match.start(), match.end(), 0.9, self.name)
                    )
                colon = text.find(":", match.end())
            else:
                colon = text.find(":", colon + 1)
        return findings


def _ipv6_shaped(candidate: str) -> bool:
    """A decimal digit and two groups at least: "fe80::1", "::1", not "::2" (numpy slicing)."""
    groups = [g for g in candidate.split(":") if g]
    return any(ch.isdigit() for ch in candidate) and (len(groups) >= 2 or candidate == "::1")


def _subscript(text: str, start: int, candidate: str) -> bool:
    """ "digits[0::2]": a slice of two numbers inside a subscript, not "peer [2001::1]"."""
    return (
        start >= 2
        and text[start - 1] == "["
        and (text[start - 2].isalnum() or text[start - 2] in "_)]")
        and all(group.isdigit() for group in candidate.split(":") if group)
    )


def _host(kind: type[ipaddress.IPv4Address] | type[ipaddress.IPv6Address], value: str) -> bool:
    """A valid address that may be some host's (not loopback, a netmask, broadcast, ...)."""
    try:
        address = kind(value.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # "::ffff:192.0.2.128" is that IPv4 host
    if address.is_loopback or address.is_unspecified:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        # IANA reserves most of IPv6's space; an address written from it is still a host's.
        return True
    return not (address.is_multicast or address.is_reserved or _is_mask(int(address)))


_PREFIX_LENGTH = re.compile(r"/(\d{1,3})(?!\d)")


def _a_network(text: str, match: re.Match[str]) -> bool:
    """A network in CIDR notation ("10.0.0.0/8", "2001:db8::/32"): an address whose bits
    past the prefix are all zero, before a prefix shorter than an address. A host's address
    with its network's length ("10.20.3.17/16") is a host's."""
    prefix = _PREFIX_LENGTH.match(text, match.end())
    if prefix is None:
        return False
    try:
        network = ipaddress.ip_network(f"{match.group()}/{prefix.group(1)}", strict=True)
    except ValueError:  # host bits set, or no prefix of this address's size
        return False
    return network.num_addresses > 1


def _is_mask(value: int) -> bool:
    """Contiguous ones then zeros (``255.255.255.0``), or the wildcard's reverse
    (``0.0.0.255``); ``0.0.0.0`` and ``255.255.255.255`` are unspecified and reserved."""
    inverted = value ^ 0xFFFFFFFF
    return (inverted & (inverted + 1)) == 0 or (value & (value + 1)) == 0


# A section word after its number: "5.2.1.3 maddesi", "仕様書 4.2.1.7 項", "2.1.0.6-os verzió".
# A release's word after its number: "the 4.11.0.2 release", "4.11.0.3 hotfix".
_SECTION_AFTER = re.compile(
    r"[ \t]?(?:項|条|조|항|maddesi|madde\b|-(?:os|es|ás|ös) verzi"
    r"|(?i:release|hotfix|patch|rc\d*|beta|alpha|changelog)\b)"
)


def _after_version_word(text: str, start: int, end: int) -> bool:
    return (
        _VERSION_BEFORE.search(text, max(0, start - 20), start) is not None
        or _SECTION_AFTER.match(text, end) is not None
        or _pinned(text, start)
        or _upgraded(text, start)
        or _in_a_version_column(text, start)
    )


# "Upgrade the agent to 4.11.0.2", "bumped the Windows agent from 6.1.0.9": an upgrade's
# object in up to three words, none of them a host's ("upgrade the proxy host to 10.2.0.9").
_UPGRADED = re.compile(
    r"\b(?:upgrad|downgrad|bump|roll(?:ed|ing)?\s+back)\w*((?:\s+[\w.\-]+){0,3}?)\s+(?:to|from)\s+$",
    re.IGNORECASE,
)


def _upgraded(text: str, start: int) -> bool:
    upgraded = _UPGRADED.search(text[max(0, start - 60) : start])
    return upgraded is not None and _ADDRESS_KEYS.isdisjoint(upgraded.group(1).lower().split())


# A package pinned to its version: "grpcio-tools==1.62.0.3", "pyodbc ~= 5.1.0.2", Debian's
# "libssl3 (>= 3.0.13.1)", a Gemfile's "'~> 1.16.0.2'"; the word before a comparison is kept
# to tell a filter's address apart ("ip.addr==10.4.7.21", "host == '10.0.0.1'").
_COMPARED = re.compile(r"(?:([\w.\-]+)\s?|\(\s?|['\"])(?:===?|~=|>=|<=|!=|>>|<<|~>)\s?['\"]?$")
_ADDRESS_KEYS = frozenset(
    "ip ipv4 ipv6 ip4 ip6 addr address host hostname src dst source destination server client"
    " peer gateway gw dns nameserver proxy remote local endpoint via hop nexthop sender"
    " origin".split()
)
# An npm package at its version: "@acme/ui-kit@3.14.0.7" (scoped), or any name on a line
# that runs a JavaScript package manager ("yarn add react-native-svg@13.4.0.1"); otherwise
# "name@" is a login at a host ("ec2-user@203.0.113.5").
_AT_VERSION = re.compile(r"(?:(@[\w.\-]+/[\w.\-]+)|[\w.\-]+)@$")
_JS_PACKAGE_MANAGER = re.compile(r"\b(?:npm|npx|yarn|pnpm|bun|bunx)\b")


def _pinned(text: str, start: int) -> bool:
    before = text[max(0, start - 60) : start]
    compared = _COMPARED.search(before)
    if compared is not None:
        word = compared.group(1)
        return word is None or re.split(r"[._\-]", word.lower())[-1] not in _ADDRESS_KEYS
    at = _AT_VERSION.search(before)
    if at is None:
        return False
    line_start = text.rfind("\n", 0, start) + 1
    return at.group(1) is not None or bool(_JS_PACKAGE_MANAGER.search(text, line_start, start))


# A table's column of versions: "| Component | Version |", "host,agent_version", "Paket\tVersion".
_VERSION_HEADER = re.compile(
    r"(?:^|[\s_.\-])(?:version|ver|build|release|firmware|fw|sdk|patch|versión"
    r"|versão|versao|versione|versie|wersja|sürüm|versiyon|versi|verzió|versjon|versio|verze"
    r"|версия|έκδοση|バージョン|版本|버전)$",
    re.IGNORECASE,
)
_CAMEL_VERSION_HEADER = re.compile(r"[a-z](?:Version|Build|Release)$")  # "agentVersion"
_TABLE_DELIMITERS = ("|", "\t", ",", ";")
_RULE_LINE = re.compile(r"[\s|:+\-]*")  # a markdown table's "|---|:---:|"
_TABLE_REACH = 200  # lines above a cell that its header may stand


def _in_a_version_column(text: str, start: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    if line_start == 0:
        return False
    line_end = text.find("\n", start)
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    delimiter = next((d for d in _TABLE_DELIMITERS if d in line), None)
    if delimiter is None:
        return False
    width = line.count(delimiter)
    column = text.count(delimiter, line_start, start)
    header = None
    end = line_start - 1
    for _ in range(_TABLE_REACH):
        if end < 0:
            break
        above_start = text.rfind("\n", 0, end) + 1
        above = text[above_start:end]
        if above.count(delimiter) != width:
            break
        if _RULE_LINE.fullmatch(above) is None:
            header = above
        end = above_start - 1
    if header is None:
        return False
    cell = header.split(delimiter)[column].strip(" \t\"'*`")
    return (
        _VERSION_HEADER.search(cell) is not None or _CAMEL_VERSION_HEADER.search(cell) is not None
    )
