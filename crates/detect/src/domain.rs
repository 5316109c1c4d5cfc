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
];

/// Hosting and dynamic-DNS zones: every subdomain is somebody else's site,
/// named by the provider or its customer (public suffixes too).
const HOSTED_ZONES: &[&str] = &[
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
    !s.contains('.') || MULTI_LABEL_SUFFIXES.contains(&s) || HOSTED_ZONES.contains(&s)
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

/// The 200 most frequent letter pairs of English text, which brand and
/// product names share; labels a domain generation algorithm draws at
/// random are mostly made of other pairs.
const COMMON_BIGRAMS: &str = concat!(
    "thheineranreonatenndtiesorteofedisitalarsttontngsehaasouiolevecomedehiriroicneea",
    "racelichllbemasiomurcaeltalansdifohopeecprnoctusacotiltrlyncetutsssorsunlowageie",
    "wheewiemadolrtpowenaulnitsmoowpaimmiaishirsuidosiviaamficivipligtuevldrympfeblab",
    "ghtyopwosaayexkefrooavagifapgrodbosprddoucbueiovbyrmepttocfaefcurnscgidayocrcldu",
    "gaquueffbaeylsvaumppuauplugohtruugdsltpircrregauckewmubrbiptakpuuirgibtlnykirkys",
);

/// [`COMMON_BIGRAMS`] as a 26×26 table.
static COMMON_PAIRS: [[bool; 26]; 26] = {
    let b = COMMON_BIGRAMS.as_bytes();
    let mut table = [[false; 26]; 26];
    let mut i = 0;
    while i + 1 < b.len() {
        table[(b[i] - b'a') as usize][(b[i + 1] - b'a') as usize] = true;
        i += 2;
    }
    table
};

/// Labels shorter than this are too short to judge.
const DGA_MIN_LEN: usize = 8;

fn clamp01(x: f64) -> f64 {
    x.clamp(0.0, 1.0)
}

/// How much a domain label looks machine-generated, from 0 (a word or a
/// brand) to 1 (random characters): mostly the share of letter pairs that
/// are rare in English, plus long consonant runs, digits mixed into
/// letters, few vowels and length. Labels under eight characters and
/// internationalised (`xn--`) labels score 0. About 0.55 and above looks
/// generated: random lowercase labels of 8–24 characters score above it
/// about nine times in ten, common brand and service names stay below.
pub fn dga_score(label: &str) -> f64 {
    let l = label.as_bytes();
    if l.len() < DGA_MIN_LEN || label.starts_with("xn--") {
        return 0.0;
    }
    let lower = |c: u8| c.to_ascii_lowercase();
    let is_vowel = |c: u8| matches!(lower(c), b'a' | b'e' | b'i' | b'o' | b'u');
    let (mut pairs, mut rare) = (0u32, 0u32);
    let (mut run, mut longest_run) = (0u32, 0u32);
    let (mut letters, mut vowels, mut digits, mut switches) = (0u32, 0u32, 0u32, 0u32);
    for (i, &c) in l.iter().enumerate() {
        let c = lower(c);
        if c.is_ascii_lowercase() {
            letters += 1;
            vowels += u32::from(is_vowel(c));
        }
        digits += u32::from(c.is_ascii_digit());
        run = if c.is_ascii_lowercase() && !is_vowel(c) && c != b'y' {
            run + 1
        } else {
            0
        };
        longest_run = longest_run.max(run);
        let Some(&next) = l.get(i + 1) else { break };
        let next = lower(next);
        if c.is_ascii_lowercase() && next.is_ascii_lowercase() {
            pairs += 1;
            rare += u32::from(!COMMON_PAIRS[(c - b'a') as usize][(next - b'a') as usize]);
        }
        if c != b'-' && next != b'-' && c.is_ascii_digit() != next.is_ascii_digit() {
            switches += 1;
        }
    }
    let rare_share = if pairs == 0 {
        1.0
    } else {
        f64::from(rare) / f64::from(pairs)
    };
    let vowel_share = f64::from(vowels) / f64::from(letters.max(1));
    let mixed = if digits > 0 && letters > 0 {
        (f64::from(switches) / 4.0).min(1.0)
    } else {
        0.0
    };
    let score = 0.55 * clamp01((rare_share - 0.15) / 0.45)
        + 0.2 * clamp01((f64::from(longest_run) - 2.0) / 3.0)
        + 0.15 * mixed
        + 0.1 * clamp01((0.3 - vowel_share) / 0.2)
        + 0.1 * clamp01((l.len() as f64 - 12.0) / 12.0);
    score.min(1.0)
}

/// The label a DGA draws: the registered domain's first label
/// (`kq3xv9zt2m.example.co.uk` → `example`; `x7gq2kzp1v.com` →
/// `x7gq2kzp1v`). None under hosting zones, whose labels the provider
/// draws (`d1x7kq2zp9.cloudfront.net`).
pub fn registered_label(name: &str) -> Option<&str> {
    let reg = registered_domain(name);
    let (label, suffix) = reg.split_once('.')?;
    (!HOSTED_ZONES.contains(&suffix)).then_some(label)
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
    #[test]
    fn generated_labels_score_high_and_names_low() {
        for name in [
            "google",
            "wikipedia",
            "microsoft",
            "stackoverflow",
            "cloudfront",
            "amazonaws",
            "googlesyndication",
            "windowsupdate",
            "letsencrypt",
            "crowdstrike",
            "bootstrapcdn",
            "xn--80ak6aa92e",
            "3gppnetwork",
            "datadoghq",
            "msftconnecttest",
            "kaspersky",
        ] {
            assert!(dga_score(name) < 0.55, "{name}: {}", dga_score(name));
        }
        for label in [
            "xjpakmdcfuqe",
            "kqxvbrtlmzwp",
            "a3f9k2lq8zx0",
            "ndcmptvcbeirpu",
            "zadgbusnvbwbfy",
            "bjfhepxoxgnp",
            "4e1c8a7f3b9d2e6a",
        ] {
            assert!(dga_score(label) >= 0.55, "{label}: {}", dga_score(label));
        }
        assert_eq!(dga_score("qzxjkvw"), 0.0, "too short to judge");
    }

    #[test]
    fn random_labels_mostly_score_as_generated() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut generated = 0;
        for _ in 0..1000 {
            let len = 8 + (next() % 13) as usize;
            let label: String = (0..len)
                .map(|_| (b'a' + (next() % 26) as u8) as char)
                .collect();
            generated += usize::from(dga_score(&label) >= 0.55);
        }
        assert!(generated > 800, "{generated} of 1000");
    }

    #[test]
    fn registered_labels() {
        assert_eq!(
            registered_label("kq3xv9zt2m.example.co.uk"),
            Some("example")
        );
        assert_eq!(registered_label("x7gq2kzp1v.com"), Some("x7gq2kzp1v"));
        assert_eq!(registered_label("d1x7kq2zp9.cloudfront.net"), None);
        assert_eq!(registered_label("localhost"), None);
    }
}
