//! Domain names: the registered domain (one label below its public
//! suffix, from a compact built-in suffix list), suffix sets for
//! allowlists, and character entropy.

use hashbrown::HashSet;

/// Public suffixes of more than one label that traffic commonly shows:
/// second-level registries of country domains, reverse DNS, and hosting
/// and dynamic-DNS zones whose subdomains belong to different owners (a
/// compact extract of the Public Suffix List; any single label is a
/// suffix without being listed).
const MULTI_LABEL_SUFFIXES: &[&str] = &[
    // Country registries' second levels.
    "co.uk",
    "org.uk",
    "me.uk",
    "ltd.uk",
    "plc.uk",
    "net.uk",
    "ac.uk",
    "gov.uk",
    "nhs.uk",
    "sch.uk",
    "police.uk",
    "com.au",
    "net.au",
    "org.au",
    "edu.au",
    "gov.au",
    "asn.au",
    "id.au",
    "co.nz",
    "net.nz",
    "org.nz",
    "govt.nz",
    "ac.nz",
    "school.nz",
    "co.jp",
    "ne.jp",
    "or.jp",
    "ac.jp",
    "go.jp",
    "ad.jp",
    "ed.jp",
    "gr.jp",
    "lg.jp",
    "co.kr",
    "or.kr",
    "ne.kr",
    "go.kr",
    "ac.kr",
    "re.kr",
    "com.cn",
    "net.cn",
    "org.cn",
    "gov.cn",
    "edu.cn",
    "ac.cn",
    "com.hk",
    "net.hk",
    "org.hk",
    "edu.hk",
    "gov.hk",
    "com.tw",
    "net.tw",
    "org.tw",
    "edu.tw",
    "gov.tw",
    "com.sg",
    "net.sg",
    "org.sg",
    "edu.sg",
    "gov.sg",
    "com.my",
    "net.my",
    "org.my",
    "edu.my",
    "gov.my",
    "co.in",
    "net.in",
    "org.in",
    "firm.in",
    "gen.in",
    "ind.in",
    "ac.in",
    "edu.in",
    "gov.in",
    "res.in",
    "com.br",
    "net.br",
    "org.br",
    "gov.br",
    "edu.br",
    "com.ar",
    "net.ar",
    "org.ar",
    "gob.ar",
    "com.mx",
    "net.mx",
    "org.mx",
    "gob.mx",
    "edu.mx",
    "co.za",
    "org.za",
    "net.za",
    "gov.za",
    "ac.za",
    "web.za",
    "com.tr",
    "net.tr",
    "org.tr",
    "gov.tr",
    "edu.tr",
    "co.il",
    "org.il",
    "net.il",
    "ac.il",
    "gov.il",
    "com.ua",
    "net.ua",
    "org.ua",
    "gov.ua",
    "com.pl",
    "net.pl",
    "org.pl",
    "com.es",
    "org.es",
    "gouv.fr",
    "co.id",
    "or.id",
    "go.id",
    "ac.id",
    "web.id",
    "co.th",
    "in.th",
    "or.th",
    "go.th",
    "ac.th",
    "com.vn",
    "net.vn",
    "org.vn",
    "gov.vn",
    "edu.vn",
    "com.ph",
    "net.ph",
    "org.ph",
    "gov.ph",
    "com.pk",
    "net.pk",
    "org.pk",
    "gov.pk",
    "com.eg",
    "gov.eg",
    "com.sa",
    "gov.sa",
    "co.ae",
    "gov.ae",
    "com.ng",
    "gov.ng",
    "co.ke",
    "or.ke",
    "go.ke",
    "com.co",
    "net.co",
    "org.co",
    "gov.co",
    "com.pe",
    "gob.pe",
    "com.ru",
    "com.de",
    "com.ve",
    // Reverse DNS.
    "in-addr.arpa",
    "ip6.arpa",
    // Hosting and dynamic DNS: every subdomain is somebody else's site.
    "github.io",
    "gitlab.io",
    "herokuapp.com",
    "appspot.com",
    "blogspot.com",
    "cloudfront.net",
    "azurewebsites.net",
    "cloudapp.net",
    "trafficmanager.net",
    "amazonaws.com",
    "firebaseapp.com",
    "web.app",
    "workers.dev",
    "pages.dev",
    "vercel.app",
    "netlify.app",
    "glitch.me",
    "fly.dev",
    "onrender.com",
    "r2.dev",
    "trycloudflare.com",
    "ngrok.io",
    "ngrok-free.app",
    "duckdns.org",
    "no-ip.org",
    "no-ip.biz",
    "hopto.org",
    "zapto.org",
    "ddns.net",
    "dyndns.org",
    "dynu.net",
    "mooo.com",
];

/// A set of domain suffixes: a name matches when it is one of them or ends
/// in `.` + one of them (case-insensitive).
#[derive(Debug, Clone, Default)]
pub struct DomainSet {
    names: HashSet<String, foldhash::fast::RandomState>,
}

impl DomainSet {
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> DomainSet {
        let mut s = DomainSet::default();
        s.extend(names);
        s
    }

    pub fn extend<'a>(&mut self, names: impl IntoIterator<Item = &'a str>) {
        for n in names {
            let n = normalize(n);
            let n = n.trim_start_matches("*.").trim_start_matches('.');
            if !n.is_empty() {
                self.names.insert(n.to_string());
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Is `name` one of the domains or below one?
    pub fn matches(&self, name: &str) -> bool {
        if self.names.is_empty() {
            return false;
        }
        let name = normalize(name);
        let found = suffixes(&name).any(|s| self.names.contains(s));
        found
    }
}

/// Lowercase without a trailing dot.
pub fn normalize(name: &str) -> std::borrow::Cow<'_, str> {
    let n = name.strip_suffix('.').unwrap_or(name);
    if n.bytes().any(|b| b.is_ascii_uppercase()) {
        std::borrow::Cow::Owned(n.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(n)
    }
}

/// `a.b.c`, `b.c`, `c`.
fn suffixes(name: &str) -> impl Iterator<Item = &str> {
    std::iter::once(name).chain(name.match_indices('.').map(move |(i, _)| &name[i + 1..]))
}

fn is_public_suffix(s: &str) -> bool {
    !s.contains('.') || MULTI_LABEL_SUFFIXES.contains(&s)
}

/// The registered domain of a (normalized) name: its public suffix plus one
/// label (`www.example.co.uk` → `example.co.uk`); a name that is itself a
/// public suffix is its own.
pub fn registered_domain(name: &str) -> &str {
    let mut registered = name;
    for s in suffixes(name) {
        if is_public_suffix(s) {
            return registered;
        }
        registered = s;
    }
    registered
}

/// Whether a name can be resolved on the Internet: at least two labels and
/// a top-level label of letters (or an IDN `xn--` label). Single-label
/// names and names like Windows' GSS-TSIG key names never leave the site,
/// so they cannot carry data to an outside server.
pub fn is_internet_name(name: &str) -> bool {
    match name.rsplit_once('.') {
        Some((rest, tld)) => {
            !rest.is_empty()
                && tld.len() >= 2
                && (tld.bytes().all(|b| b.is_ascii_alphabetic()) || tld.starts_with("xn--"))
        }
        None => false,
    }
}

/// Shannon entropy of the bytes, in bits per character.
pub fn entropy(bytes: impl IntoIterator<Item = u8>) -> f64 {
    let mut counts = [0u32; 256];
    let mut len = 0u32;
    for b in bytes {
        counts[b as usize] += 1;
        len += 1;
    }
    if len == 0 {
        return 0.0;
    }
    let n = len as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_domains() {
        for (name, reg) in [
            ("www.example.com", "example.com"),
            ("example.com", "example.com"),
            ("a.b.example.co.uk", "example.co.uk"),
            ("co.uk", "co.uk"),
            ("localhost", "localhost"),
            ("x1.tunnel.duckdns.org", "tunnel.duckdns.org"),
            ("4.3.2.1.in-addr.arpa", "1.in-addr.arpa"),
        ] {
            assert_eq!(registered_domain(name), reg, "{name}");
        }
    }

    #[test]
    fn internet_names() {
        assert!(is_internet_name("www.example.com"));
        assert!(is_internet_name("example.xn--p1ai"));
        assert!(!is_internet_name("localhost"));
        assert!(!is_internet_name(
            "1068-ms-7.309-2c6e448.7a9463b8-b109-11ed-26a3-080027f220e5"
        ));
        assert!(!is_internet_name(".com"));
        assert!(!is_internet_name("host.c"));
    }

    #[test]
    fn suffix_sets_match_whole_labels() {
        let set = DomainSet::new(["windowsupdate.com", "*.Akamaiedge.net."]);
        assert!(set.matches("windowsupdate.com"));
        assert!(set.matches("download.WindowsUpdate.com."));
        assert!(set.matches("e123.a.akamaiedge.net"));
        assert!(!set.matches("evilwindowsupdate.com"));
        assert!(!set.matches("com"));
        assert!(!DomainSet::default().matches("x.com"));
    }

    #[test]
    fn entropy_of_random_and_plain_labels() {
        let e = |s: &str| entropy(s.bytes());
        assert_eq!(e(""), 0.0);
        assert_eq!(e("aaaa"), 0.0);
        assert!((e("abcd") - 2.0).abs() < 1e-9);
        assert!(e("mx4pz9qk2v7hw3nt8rb5ycj6") > 4.0);
        assert!(e("www") < 1.0);
    }
}
