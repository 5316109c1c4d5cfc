//! Zeek's DNS name tables (`base/protocols/dns/consts.zeek`) with their
//! `&default` renderings for codes they lack.

/// `DNS::query_types`.
pub fn query_type(t: u16) -> String {
    let name = match t {
        1 => "A",
        2 => "NS",
        3 => "MD",
        4 => "MF",
        5 => "CNAME",
        6 => "SOA",
        7 => "MB",
        8 => "MG",
        9 => "MR",
        10 => "NULL",
        11 => "WKS",
        12 => "PTR",
        13 => "HINFO",
        14 => "MINFO",
        15 => "MX",
        16 => "TXT",
        17 => "RP",
        18 => "AFSDB",
        19 => "X25",
        20 => "ISDN",
        21 => "RT",
        22 => "NSAP",
        23 => "NSAP-PTR",
        24 => "SIG",
        25 => "KEY",
        26 => "PX",
        27 => "GPOS",
        28 => "AAAA",
        29 => "LOC",
        30 => "NXT",
        31 => "EID",
        32 => "NIMLOC",
        33 => "SRV",
        34 => "ATMA",
        35 => "NAPTR",
        36 => "KX",
        37 => "CERT",
        38 => "A6",
        39 => "DNAME",
        40 => "SINK",
        41 => "OPT",
        42 => "APL",
        43 => "DS",
        44 => "SSHFP",
        45 => "IPSECKEY",
        46 => "RRSIG",
        47 => "NSEC",
        48 => "DNSKEY",
        49 => "DHCID",
        50 => "NSEC3",
        51 => "NSEC3PARAM",
        52 => "TLSA",
        53 => "SMIMEA",
        55 => "HIP",
        56 => "NINFO",
        57 => "RKEY",
        58 => "TALINK",
        59 => "CDS",
        60 => "CDNSKEY",
        61 => "OPENPGPKEY",
        62 => "CSYNC",
        63 => "ZONEMD",
        64 => "SVCB",
        65 => "HTTPS",
        99 => "SPF",
        100 => "UINFO",
        101 => "UID",
        102 => "GID",
        103 => "UNSPEC",
        104 => "NID",
        105 => "L32",
        106 => "L64",
        107 => "LP",
        108 => "EUI48",
        109 => "EUI64",
        249 => "TKEY",
        250 => "TSIG",
        251 => "IXFR",
        252 => "AXFR",
        253 => "MAILB",
        254 => "MAILA",
        255 => "*",
        256 => "URI",
        257 => "CAA",
        32768 => "TA",
        32769 => "DLV",
        65281 => "WINS",
        65282 => "WINS-R",
        65422 => "XPF",
        65521 => "INTEGRITY",
        _ => return format!("query-{t}"),
    };
    name.to_string()
}

/// `DNS::classes`.
pub fn class(c: u16) -> String {
    let name = match c {
        1 => "C_INTERNET",
        2 => "C_CSNET",
        3 => "C_CHAOS",
        4 => "C_HESIOD",
        254 => "C_NONE",
        255 => "C_ANY",
        _ => return format!("qclass-{c}"),
    };
    name.to_string()
}

/// `DNS::base_errors` (a header carries only 4 bits of rcode).
pub fn rcode(r: u8) -> String {
    let name = match r {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        6 => "YXDOMAIN",
        7 => "YXRRSET",
        8 => "NXRRSet",
        9 => "NOTAUTH",
        10 => "NOTZONE",
        _ => return format!("unassigned-{r}"),
    };
    name.to_string()
}

/// `DNS::opcodes`, or `DNS::netbios_opcodes` for NetBIOS name service.
pub fn opcode(op: u8, netbios: bool) -> String {
    let name = match (netbios, op) {
        (false, 0) => "query",
        (false, 1) => "iquery",
        (false, 2) => "server-status",
        (false, 4) => "notify",
        (false, 5) => "dynamic-update",
        (false, 6) => "dso",
        (false, _) => return format!("opcode-{op}"),
        (true, 0) => "netbios-query",
        (true, 5) => "netbios-registration",
        (true, 6) => "netbios-release",
        (true, 7) => "netbios-wack",
        (true, 8) => "netbios-refresh",
        (true, _) => return format!("netbios-opcode-{op}"),
    };
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_default_names() {
        assert_eq!(query_type(28), "AAAA");
        assert_eq!(query_type(255), "*");
        assert_eq!(query_type(65535), "query-65535");
        assert_eq!(class(1), "C_INTERNET");
        assert_eq!(class(32769), "qclass-32769");
        assert_eq!(rcode(3), "NXDOMAIN");
        assert_eq!(rcode(8), "NXRRSet");
        assert_eq!(rcode(12), "unassigned-12");
        assert_eq!(opcode(4, false), "notify");
        assert_eq!(opcode(3, false), "opcode-3");
        assert_eq!(opcode(5, true), "netbios-registration");
        assert_eq!(opcode(1, true), "netbios-opcode-1");
    }
}
