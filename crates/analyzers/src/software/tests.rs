use super::*;

/// (unparsed, name, [major, minor, minor2, minor3], addl) as Zeek parses
/// them; most from Zeek's own version-parsing test.
type Case = (
    &'static [u8],
    &'static [u8],
    [Option<u64>; 4],
    Option<&'static [u8]>,
);

const N: Option<u64> = None;

fn n(x: u64) -> Option<u64> {
    Some(x)
}

fn cases() -> Vec<Case> {
    vec![
        (b"OpenSSH_4.4", b"OpenSSH", [n(4), n(4), N, N], None),
        (b"OpenSSH_5.2", b"OpenSSH", [n(5), n(2), N, N], None),
        (
            b"Apache/2.0.63 (Unix) mod_auth_kerb/5.3 mod_ssl/2.0.63 OpenSSL/0.9.7a mod_fastcgi/2.4.2",
            b"Apache",
            [n(2), n(0), n(63), N],
            Some(b"Unix"),
        ),
        (b"Apache/1.3.19 (Unix)", b"Apache", [n(1), n(3), n(19), N], Some(b"Unix")),
        (
            b"ProFTPD 1.2.5rc1 Server (Debian)",
            b"ProFTPD",
            [n(1), n(2), n(5), N],
            Some(b"rc1"),
        ),
        (
            b"wu-2.4.2-academ[BETA-18-VR14](1)",
            b"wu",
            [n(2), n(4), n(2), N],
            Some(b"academ"),
        ),
        (b"wu-2.6.2(1)", b"wu", [n(2), n(6), n(2), N], Some(b"1")),
        (
            b"Java1.2.2-JDeveloper",
            b"Java",
            [n(1), n(2), n(2), N],
            Some(b"JDeveloper"),
        ),
        (b"Java/1.6.0_13", b"Java", [n(1), n(6), n(0), n(13)], None),
        (b"Python-urllib/3.1", b"Python-urllib", [n(3), n(1), N, N], None),
        (b"libwww-perl/5.820", b"libwww-perl", [n(5), n(820), N, N], None),
        (
            b"Wget/1.9+cvs-stable (Red Hat modified)",
            b"Wget",
            [n(1), n(9), N, N],
            Some(b"+cvs"),
        ),
        (
            b"Wget/1.11.4 (Red Hat modified)",
            b"Wget",
            [n(1), n(11), n(4), N],
            Some(b"Red Hat modified"),
        ),
        (
            b"curl/7.15.1 (i486-pc-linux-gnu) libcurl/7.15.1 OpenSSL/0.9.8a zlib/1.2.3 libidn/0.5.18",
            b"curl",
            [n(7), n(15), n(1), N],
            Some(b"i486-pc-linux-gnu"),
        ),
        (b"Apache", b"Apache", [N, N, N, N], None),
        (
            b"Zope/(Zope 2.7.8-final, python 2.3.5, darwin) ZServer/1.1 Plone/Unknown",
            b"Zope/(Zope",
            [n(2), n(7), n(8), N],
            Some(b"final"),
        ),
        (
            b"The Bat! (v2.00.9) Personal",
            b"The Bat!",
            [n(2), n(0), n(9), N],
            Some(b"Personal"),
        ),
        (b"Flash/10,2,153,1", b"Flash", [n(10), n(2), n(153), n(1)], None),
        (
            b"Flash%20Player/26.0.0.137 CFNetwork/811.5.4 Darwin/16.6.0 (x86_64)",
            b"Flash",
            [n(26), n(0), n(0), n(137)],
            Some(b"CFNetwork/811"),
        ),
        (
            b"mt2/1.2.3.967 Oct 13 2010-13:40:24 ord-pixel-x2 pid 0x35a3 13731",
            b"mt2",
            [n(1), n(2), n(3), n(967)],
            Some(b"Oct"),
        ),
        (b"CacheFlyServe v26b", b"CacheFlyServe", [n(26), N, N, N], Some(b"b")),
        (
            b"Apache/2.0.46 (Win32) mod_ssl/2.0.46 OpenSSL/0.9.7b mod_jk2/2.0.4",
            b"Apache",
            [n(2), n(0), n(46), N],
            Some(b"Win32"),
        ),
        (
            b"Apple iPhone v4.3.1 Weather v1.0.0.8G4",
            b"Apple iPhone",
            [n(4), n(3), n(1), N],
            Some(b"Weather"),
        ),
        (
            b"Mozilla/5.0 (iPhone; U; CPU iPhone OS 4_3_2 like Mac OS X; en-us) AppleWebKit/533.17.9 (KHTML, like Gecko) Version/5.0.2 Mobile/8H7 Safari/6533.18.5",
            b"Safari",
            [n(5), n(0), n(2), N],
            Some(b"Mobile"),
        ),
        (
            b"Mozilla/5.0 (Macintosh; U; Intel Mac OS X 10_6_7; en-US) AppleWebKit/534.16 (KHTML, like Gecko) Chrome/10.0.648.205 Safari/534.16",
            b"Chrome",
            [n(10), n(0), n(648), n(205)],
            None,
        ),
        (
            b"Opera/9.80 (Windows NT 6.1; U; sv) Presto/2.7.62 Version/11.01",
            b"Opera",
            [n(11), n(1), N, N],
            None,
        ),
        (
            b"Mozilla/5.0 (Windows; U; Windows NT 5.1; de; rv:1.9.2.11) Gecko/20101013 Lightning/1.0b2 Thunderbird/3.1.5",
            b"Thunderbird",
            [n(3), n(1), n(5), N],
            None,
        ),
        (
            b"iTunes/9.0 (Macintosh; Intel Mac OS X 10.5.8) AppleWebKit/531.9",
            b"iTunes",
            [n(9), n(0), N, N],
            Some(b"Macintosh"),
        ),
        (b"Java1.3.1_04", b"Java", [n(1), n(3), n(1), n(4)], None),
        (
            b"Mozilla/5.0 (Linux; U; Android 2.3.3; zh-tw; HTC Pyramid Build/GRI40) AppleWebKit/533.1 (KHTML, like Gecko) Version/4.0 Mobile Safari/533.1",
            b"Safari",
            [n(4), n(0), N, N],
            Some(b"Mobile"),
        ),
        (
            b"Mozilla/5.0 (Macintosh; U; Intel Mac OS X 10_6_6; en-us) AppleWebKit/533.20.25 (KHTML, like Gecko) Version/5.0.4 Safari/533.20.27",
            b"Safari",
            [n(5), n(0), n(4), N],
            None,
        ),
        (
            b"Opera/9.80 (J2ME/MIDP; Opera Mini/9.80 (S60; SymbOS; Opera Mobi/23.348; U; en) Presto/2.5.25 Version/10.54",
            b"Opera Mini",
            [n(10), n(54), N, N],
            None,
        ),
        (
            b"Opera/9.80 (J2ME/MIDP; Opera Mini/5.0.18741/18.794; U; en) Presto/2.4.15",
            b"Opera Mini",
            [n(5), n(0), n(18741), N],
            None,
        ),
        (
            b"Opera/9.80 (Windows NT 5.1; Opera Mobi/49; U; en) Presto/2.4.18 Version/10.00",
            b"Opera Mobi",
            [n(10), n(0), N, N],
            None,
        ),
        (
            b"Mozilla/4.0 (compatible; MSIE 8.0; Android 2.2.2; Linux; Opera Mobi/ADR-1103311355; en) Opera 11.00",
            b"Opera",
            [n(11), n(0), N, N],
            None,
        ),
        (
            b"Mozilla/5.0 (Windows; U; Windows NT 5.1; en-US; rv:1.7.2) Gecko/20040804 Netscape/7.2 (ax)",
            b"Netscape",
            [n(7), n(2), N, N],
            None,
        ),
        (
            b"Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.0; GTB5; SLCC1; .NET CLR 2.0.50727; Media Center PC 5.0; .NET CLR 3.0.04506; InfoPath.2)",
            b"MSIE",
            [n(7), n(0), N, N],
            None,
        ),
        (
            b"Mozilla/4.0 (compatible; MSIE 7.0b; Windows NT 5.1; Media Center PC 3.0; .NET CLR 1.0.3705; .NET CLR 1.1.4322; .NET CLR 2.0.50727; InfoPath.1)",
            b"MSIE",
            [n(7), n(0), N, N],
            Some(b"b"),
        ),
        (
            b"Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; Trident/4.0; SLCC2; .NET CLR 2.0.50727)",
            b"MSIE",
            [n(8), n(0), N, N],
            None,
        ),
        (
            b"Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 6.1; WOW64; Trident/5.0)",
            b"MSIE",
            [n(9), n(0), N, N],
            None,
        ),
        (
            b"Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.1; WOW64; Trident/5.0; SLCC2; Creative AutoUpdate v1.40.02)",
            b"MSIE",
            [n(9), n(0), N, N],
            None,
        ),
        (
            b"Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.1; WOW64; Trident/6.0)",
            b"MSIE",
            [n(10), n(0), N, N],
            None,
        ),
        (
            b"Mozilla/5.0 (Windows NT 6.3; Trident/7.0; rv:11.0) like Gecko",
            b"MSIE",
            [n(11), n(0), N, N],
            None,
        ),
        (
            b"The Bat! (3.0.1 RC3) Professional",
            b"The Bat!",
            [n(3), n(0), n(1), N],
            Some(b"RC3"),
        ),
        (b"Total Commander", b"Total Commander", [N, N, N, N], None),
        (b"(vsFTPd 2.0.5)", b"vsFTPd", [n(2), n(0), n(5), N], None),
        (b"Apple Mail (2.1084)", b"Apple Mail", [n(2), n(1084), N, N], None),
        (
            b"Mozilla/5.0 (Macintosh; U; PPC Mac OS X; en) AppleWebKit/420+ (KHTML, like Gecko) AdobeAIR/1.0",
            b"AdobeAIR",
            [n(1), n(0), N, N],
            None,
        ),
        (
            b"Mozilla/5.0 (Macintosh; U; Intel Mac OS X; en) AppleWebKit/531.9 (KHTML, like Gecko) AdobeAIR/2.6",
            b"AdobeAIR",
            [n(2), n(6), N, N],
            None,
        ),
        (
            b"AdobeAIR-Flash/10,2,159,1",
            b"AdobeAIR-Flash",
            [n(10), n(2), n(159), n(1)],
            None,
        ),
        (
            b"\\xe6\\xbc\\xab\\xe7\\x94\\xbb\\xe4\\xba\\xba 2.6.2 rv:1.2 (iPhone; iOS 10.3.2; en_US)",
            b"\xe6\xbc\xab\xe7\x94\xbb\xe4\xba\xba",
            [n(2), n(6), n(2), N],
            Some(b"rv:1"),
        ),
        (
            b"%E6%9C%89%E9%81%93%E8%AF%8D%E5%85%B8/128 CFNetwork/760.2.6 Darwin/15.3.0 (x86_64)",
            b"\xe6\x9c\x89\xe9\x81\x93\xe8\xaf\x8d\xe5\x85\xb8",
            [n(128), N, N, N],
            Some(b"CFNetwork/760"),
        ),
        (
            b"QQ%E9%82%AE%E7%AE%B1/5.3.2.8 CFNetwork/811.5.4 Darwin/16.6.0",
            b"QQ\xe9\x82\xae\xe7\xae\xb1",
            [n(5), n(3), n(2), n(8)],
            Some(b"CFNetwork/811"),
        ),
        (
            b"Mozilla/5.0 (Windows Phone 10.0; Android 6.0.1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/52.0.2743.116 Mobile Safari/537.36 Edge/15.15063",
            b"Edge",
            [n(15), n(15063), N, N],
            None,
        ),
        (
            b"A/8.0.0/Google/Pixel#XL/marlin/unknown/QCX3/l8100358318783302904/-/1456904160/-/google/662107/662098/-",
            b"Android (Google Pixel)",
            [n(8), n(0), n(0), N],
            None,
        ),
        (
            b"A/9/Google/Pixel#2/walleye/unknown/QCX3/l17463753539612639959/-/2406658516/-/google/724998/724992/-",
            b"Android (Google Pixel)",
            [n(9), N, N, N],
            None,
        ),
        // SSH banners as the ssh software script passes them.
        (b"OpenSSH_7.4p1 Debian-10+deb9u7", b"OpenSSH", [n(7), n(4), N, N], Some(b"p1")),
        (b"dropbear_2019.78", b"dropbear", [n(2019), n(78), N, N], None),
        // Server and X-Powered-By headers.
        (b"nginx/1.18.0 (Ubuntu)", b"nginx", [n(1), n(18), n(0), N], Some(b"Ubuntu")),
        (b"Microsoft-IIS/10.0", b"Microsoft-IIS", [n(10), n(0), N, N], None),
        (b"PHP/5.3.3", b"PHP", [n(5), n(3), n(3), N], None),
        (b"ASP.NET", b"ASP.NET", [N, N, N, N], None),
        (
            b"Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0",
            b"Firefox",
            [n(115), n(0), N, N],
            None,
        ),
        (b"Mozilla/5.0", b"<unknown browser>", [N, N, N, N], None),
    ]
}

#[test]
fn version_strings_parse_as_zeek_parses_them() {
    let mut failures = Vec::new();
    for (unparsed, name, [major, minor, minor2, minor3], addl) in cases() {
        let want = Description {
            name: name.to_vec(),
            version: Version {
                major,
                minor,
                minor2,
                minor3,
                addl: addl.map(<[u8]>::to_vec),
            },
        };
        let got = parse(unparsed);
        if got != want {
            failures.push(format!(
                "{}: got {got:?}, want {want:?}",
                String::from_utf8_lossy(unparsed)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn hostile_version_strings_do_not_panic() {
    for s in [
        &b""[..],
        b" ",
        b"/",
        b" (",
        b" v",
        b"Mozilla/1.",
        b"Mozilla/1.MSIE 9",
        b"Mozilla/1. MSIE ",
        b"Mozilla/1.Flash%20Player",
        b"A//Google/Pixel",
        b"%",
        b"\\x",
        b"x (",
        b"((((((((((((((1.2",
    ] {
        let _ = parse(s);
    }
    assert_eq!(parse(b"").name, b"");
}

#[test]
fn long_version_strings_take_linear_time() {
    // Each would take minutes if some pattern were retried from every
    // position over the rest of the string.
    for unit in [
        &b"Opera "[..],
        b"Mozilla/5.0 Opera x",
        b" (v",
        b"A/1.",
        b"MSIE 1.",
        b"Version/ ",
        b" Java/1",
        b"a-",
        b"%",
    ] {
        let long = unit.repeat(200_000 / unit.len());
        let _ = parse(&long);
        let _ = parse(&[&b"Mozilla/5.0 "[..], &long].concat());
    }
}

fn sighting(ts: i64, host: &str, kind: SoftwareType, unparsed: &str) -> Sighting {
    Sighting {
        ts: Time(ts * 1_000_000_000),
        host: host.parse().expect("address"),
        host_p: None,
        kind,
        unparsed: unparsed.as_bytes().to_vec(),
    }
}

fn logged(t: &mut Tracker, s: Sighting) -> bool {
    t.found(s).is_some()
}

#[test]
fn a_version_is_logged_once_per_host() {
    let mut t = Tracker::new();
    let ua = "Wget/1.11.4 (Red Hat modified)";
    let row = t
        .found(sighting(1, "10.0.0.1", SoftwareType::HttpBrowser, ua))
        .expect("first sighting is logged");
    assert_eq!(row.name, Some(ZString(b"Wget".to_vec())));
    assert_eq!(
        (row.major, row.minor, row.minor2),
        (Some(1), Some(11), Some(4))
    );
    assert_eq!(row.addl, Some(ZString(b"Red Hat modified".to_vec())));
    assert_eq!(row.software_type, Enum("HTTP::BROWSER"));
    // Again from the same host: nothing; from another host: a row.
    assert!(!logged(
        &mut t,
        sighting(2, "10.0.0.1", SoftwareType::HttpBrowser, ua)
    ));
    assert!(logged(
        &mut t,
        sighting(3, "10.0.0.2", SoftwareType::HttpBrowser, ua)
    ));
    // Another version of the same software, then the first again: only
    // the new one, as the host's set of versions already has the first.
    let newer = "Wget/1.12 (Red Hat modified)";
    assert!(logged(
        &mut t,
        sighting(4, "10.0.0.1", SoftwareType::HttpBrowser, newer)
    ));
    assert!(!logged(
        &mut t,
        sighting(5, "10.0.0.1", SoftwareType::HttpBrowser, ua)
    ));
}

#[test]
fn the_same_name_and_version_under_another_type_is_not_logged_again() {
    // The sets are per host and software name, whatever the type.
    let mut t = Tracker::new();
    assert!(logged(
        &mut t,
        sighting(1, "10.0.0.1", SoftwareType::HttpServer, "Apache")
    ));
    assert!(!logged(
        &mut t,
        sighting(700, "10.0.0.1", SoftwareType::HttpAppserver, "Apache")
    ));
}

#[test]
fn more_than_twenty_versions_start_the_set_over() {
    let mut t = Tracker::new();
    let version = |i: usize| format!("curl/7.{i}");
    for i in 0..21 {
        assert!(logged(
            &mut t,
            sighting(i as i64, "10.0.0.1", SoftwareType::HttpBrowser, &version(i))
        ));
    }
    // The 21st reset the set to itself: the first is new again, after the
    // suppression cache's ten minutes.
    assert!(!logged(
        &mut t,
        sighting(30, "10.0.0.1", SoftwareType::HttpBrowser, &version(20))
    ));
    assert!(!logged(
        &mut t,
        sighting(40, "10.0.0.1", SoftwareType::HttpBrowser, &version(0))
    ));
    assert!(logged(
        &mut t,
        sighting(700, "10.0.0.1", SoftwareType::HttpBrowser, &version(0))
    ));
}

#[test]
fn a_host_is_forgotten_after_a_day() {
    let mut t = Tracker::new();
    let s = |ts| sighting(ts, "10.0.0.1", SoftwareType::SshServer, "OpenSSH_8.9");
    assert!(logged(&mut t, s(0)));
    assert!(!logged(&mut t, s(3_600)));
    assert!(logged(&mut t, s(86_400)));
}

#[test]
fn asset_tracking_choices() {
    assert_eq!(Hosts::from_name("ALL_HOSTS"), Some(Hosts::All));
    assert_eq!(Hosts::from_name("REMOTE_HOSTS"), Some(Hosts::Remote));
    assert_eq!(Hosts::from_name("bogus"), None);
    assert!(Hosts::Local.matches(true) && !Hosts::Local.matches(false));
    assert!(Hosts::Remote.matches(false) && !Hosts::Remote.matches(true));
    assert!(Hosts::All.matches(false) && !Hosts::None.matches(true));
}
