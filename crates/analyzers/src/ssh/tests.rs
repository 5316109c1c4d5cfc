//! Whole exchanges through the analyzer: banners, KEXINITs, the key
//! exchange, NEWKEYS and encrypted sizes of password logins.

use super::*;
use crate::{Analyzer, AnalyzerConfig, AppWeird, ConnInfo, FuidGen};

const CLIENT: &[u8] = b"SSH-2.0-OpenSSH_6.6\r\n";
const SERVER: &[u8] = b"SSH-2.0-OpenSSH_5.9p1 Debian-5ubuntu1.1\r\n";

fn conn() -> ConnInfo<'static> {
    ConnInfo {
        uid: "CSsh1",
        orig_h: "10.0.0.18".parse().unwrap(),
        orig_p: 40184,
        resp_h: "128.2.6.88".parse().unwrap(),
        resp_p: 22,
        proto: 6,
        local_orig: None,
        local_resp: None,
        start: records::Time(0),
    }
}

/// Everything one run produced.
#[derive(Default)]
struct Outcome {
    rows: Vec<SshRecord>,
    weirds: Vec<AppWeird>,
    software: Vec<crate::software::Sighting>,
    confirmed: bool,
    violation: Option<String>,
}

/// Feeds `steps` (direction, bytes) to a fresh analyzer, then ends the
/// connection.
fn run(config: &AnalyzerConfig, steps: &[(bool, Vec<u8>)]) -> Outcome {
    let info = conn();
    let mut sink: Vec<AppRecord> = Vec::new();
    let mut fuids = FuidGen::new(Some(1));
    let mut a = SshAnalyzer::new();
    let mut out = Outcome::default();
    for (i, (is_orig, data)) in steps.iter().enumerate() {
        let now = Time(1_000_000_000 + i as i64 * 1_000_000);
        let mut cx = Context::new(&info, now, config, &mut fuids, &mut sink);
        a.deliver(&mut cx, *is_orig, data);
        out.confirmed |= cx.confirmed;
        if let Some((reason, _)) = cx.violation.take() {
            out.violation = Some(reason);
            break;
        }
    }
    if out.violation.is_none() {
        let mut cx = Context::new(&info, Time(2_000_000_000), config, &mut fuids, &mut sink);
        a.finish(&mut cx);
    }
    for rec in sink {
        match rec {
            AppRecord::Ssh(r) => out.rows.push(*r),
            AppRecord::Weird(w) => out.weirds.push(w),
            AppRecord::Software(s) => out.software.push(*s),
            _ => {}
        }
    }
    out
}

fn string(s: &[u8]) -> Vec<u8> {
    let mut v = (s.len() as u32).to_be_bytes().to_vec();
    v.extend_from_slice(s);
    v
}

/// An SSH2 binary packet around `payload` (message type first), padded to
/// a multiple of 8 as senders do.
fn packet(payload: &[u8]) -> Vec<u8> {
    let padding = 4 + (8 - (payload.len() + 5 + 4) % 8) % 8;
    let len = (1 + payload.len() + padding) as u32;
    let mut v = len.to_be_bytes().to_vec();
    v.push(padding as u8);
    v.extend_from_slice(payload);
    v.extend(std::iter::repeat_n(0, padding));
    v
}

/// A KEXINIT offering the same list both ways.
fn kexinit(kex: &str, host_key: &str, cipher: &str, mac: &str, compression: &str) -> Vec<u8> {
    let mut p = vec![20];
    p.extend_from_slice(&[7; 16]);
    for list in [
        kex,
        host_key,
        cipher,
        cipher,
        mac,
        mac,
        compression,
        compression,
        "",
        "",
    ] {
        p.extend(string(list.as_bytes()));
    }
    p.extend_from_slice(&[0, 0, 0, 0, 0]);
    packet(&p)
}

fn client_kexinit() -> Vec<u8> {
    kexinit(
        "ecdh-sha2-nistp256,diffie-hellman-group14-sha1",
        "ecdsa-sha2-nistp256,ssh-rsa",
        "aes128-ctr,aes256-ctr",
        "hmac-md5,hmac-sha1",
        "none,zlib@openssh.com",
    )
}

fn server_kexinit() -> Vec<u8> {
    kexinit(
        "diffie-hellman-group14-sha1,ecdh-sha2-nistp256",
        "ssh-rsa",
        "aes256-ctr,aes128-ctr",
        "hmac-sha1,hmac-md5",
        "none",
    )
}

const HOST_KEY: &[u8] = b"\0\0\0\x07ssh-rsa\0\0\0\x01\x23\0\0\0\x03abc";

fn ecdh_init() -> Vec<u8> {
    let mut p = vec![30];
    p.extend(string(&[4; 65]));
    packet(&p)
}

fn ecdh_reply() -> Vec<u8> {
    let mut p = vec![31];
    p.extend(string(HOST_KEY));
    p.extend(string(&[4; 65]));
    p.extend(string(&[9; 40]));
    packet(&p)
}

fn newkeys() -> Vec<u8> {
    packet(&[21])
}

/// Banners and key exchange up to both NEWKEYS.
fn handshake() -> Vec<(bool, Vec<u8>)> {
    vec![
        (false, SERVER.to_vec()),
        (true, CLIENT.to_vec()),
        (true, client_kexinit()),
        (false, server_kexinit()),
        (true, ecdh_init()),
        (false, ecdh_reply()),
        (false, newkeys()),
        (true, newkeys()),
    ]
}

/// Encrypted segments: (client, server) sizes per round trip.
fn encrypted(steps: &mut Vec<(bool, Vec<u8>)>, rounds: &[(usize, usize)]) {
    for &(c, s) in rounds {
        steps.push((true, vec![0xee; c]));
        steps.push((false, vec![0xee; s]));
    }
}

#[test]
fn failed_then_successful_password_login() {
    let mut steps = handshake();
    // SERVICE_REQUEST/ACCEPT, two failures, then a success 16 bytes below
    // SERVICE_ACCEPT.
    encrypted(
        &mut steps,
        &[(52, 52), (84, 68), (100, 68), (100, 68), (100, 36)],
    );
    steps.push((true, vec![0xee; 500]));
    let out = run(&AnalyzerConfig::default(), &steps);
    assert!(out.confirmed);
    assert_eq!(out.violation, None);
    assert_eq!(out.rows.len(), 1);
    let r = &out.rows[0];
    assert_eq!(r.uid, "CSsh1");
    assert_eq!(r.resp_p, Port(22));
    // ts: when the first banner was seen.
    assert_eq!(r.ts, Time(1_000_000_000));
    assert_eq!(r.version, Some(2));
    assert_eq!(r.auth_success, Some(true));
    // The first failure only sets the failure size; the next two count.
    assert_eq!(r.auth_attempts, 3);
    assert_eq!(r.direction, None);
    assert_eq!(r.client, Some(ZString::from("SSH-2.0-OpenSSH_6.6")));
    assert_eq!(
        r.server,
        Some(ZString::from("SSH-2.0-OpenSSH_5.9p1 Debian-5ubuntu1.1"))
    );
    assert_eq!(r.cipher_alg, Some(ZString::from("aes128-ctr")));
    assert_eq!(r.mac_alg, Some(ZString::from("hmac-md5")));
    assert_eq!(r.compression_alg, Some(ZString::from("none")));
    assert_eq!(r.kex_alg, Some(ZString::from("ecdh-sha2-nistp256")));
    assert_eq!(r.host_key_alg, Some(ZString::from("ssh-rsa")));
    assert_eq!(
        r.host_key_fingerprint,
        Some(ZString::from(fingerprint(HOST_KEY)))
    );
}

#[test]
fn failed_login_is_logged_at_the_end() {
    let mut steps = handshake();
    encrypted(&mut steps, &[(52, 52), (84, 68), (100, 68), (100, 68)]);
    let out = run(&AnalyzerConfig::default(), &steps);
    let r = &out.rows[0];
    assert_eq!(r.ts, Time(1_000_000_000));
    assert_eq!(r.auth_success, Some(false));
    assert_eq!(r.auth_attempts, 2);
}

#[test]
fn chunking_does_not_change_the_outcome() {
    // The whole handshake byte by byte per direction, then sizes.
    let mut steps = Vec::new();
    for (is_orig, data) in handshake() {
        steps.extend(data.chunks(3).map(|c| (is_orig, c.to_vec())));
    }
    encrypted(&mut steps, &[(52, 52), (100, 36)]);
    let out = run(&AnalyzerConfig::default(), &steps);
    let r = &out.rows[0];
    assert_eq!(r.kex_alg, Some(ZString::from("ecdh-sha2-nistp256")));
    assert_eq!(
        r.host_key_fingerprint,
        Some(ZString::from(fingerprint(HOST_KEY)))
    );
    assert_eq!((r.auth_success, r.auth_attempts), (Some(true), 1));
}

#[test]
fn encrypted_bytes_in_the_newkeys_segment_count() {
    let mut steps = handshake();
    // The client's NEWKEYS and its SERVICE_REQUEST arrive together.
    let mut last = steps.pop().unwrap().1;
    last.extend_from_slice(&[0xee; 52]);
    steps.push((true, last));
    steps.push((false, vec![0xee; 52]));
    steps.push((false, vec![0xee; 36]));
    let out = run(&AnalyzerConfig::default(), &steps);
    assert_eq!(out.rows[0].auth_success, Some(true));
}

#[test]
fn compression_hides_the_outcome() {
    let mut steps = handshake();
    steps[3] = (
        false,
        kexinit(
            "ecdh-sha2-nistp256",
            "ssh-rsa",
            "aes128-ctr",
            "hmac-md5",
            "zlib@openssh.com",
        ),
    );
    encrypted(&mut steps, &[(52, 52), (100, 36)]);
    let r = &run(&AnalyzerConfig::default(), &steps).rows[0];
    assert_eq!(r.compression_alg, Some(ZString::from("zlib@openssh.com")));
    assert_eq!((r.auth_success, r.auth_attempts), (None, 0));
}

#[test]
fn server_lines_before_the_banner_are_skipped() {
    let steps = vec![
        (false, b"Welcome\r\nSSH-1.99-OpenSSH_3.4\n".to_vec()),
        (true, b"SSH-2.0-OpenSSH_6.6\n".to_vec()),
    ];
    let out = run(&AnalyzerConfig::default(), &steps);
    let r = &out.rows[0];
    assert_eq!(r.server, Some(ZString::from("SSH-1.99-OpenSSH_3.4")));
    assert_eq!(r.version, Some(2));
    assert!(!out.confirmed);
    assert_eq!(r.cipher_alg, None);
}

#[test]
fn server_side_only_fails_at_its_first_packet() {
    // Without the client's banner the framing is unknown (as in Zeek).
    let steps = vec![(false, SERVER.to_vec()), (false, server_kexinit())];
    let out = run(&AnalyzerConfig::default(), &steps);
    assert!(out.violation.is_some());
    let r = &out.rows[0];
    assert_eq!(r.version, None);
    assert_eq!(r.client, None);
    assert_eq!(
        r.server,
        Some(ZString::from("SSH-2.0-OpenSSH_5.9p1 Debian-5ubuntu1.1"))
    );
}

#[test]
fn ssh1_confirms_on_the_session_key() {
    let ssh1 = |msg_type: u8| {
        let len: u32 = 5 + 3;
        let mut v = len.to_be_bytes().to_vec();
        v.extend_from_slice(&[0; 8]); // 8 - len % 8 bytes of padding
        v.push(msg_type);
        v.extend_from_slice(&[1, 2, 3, 0, 0, 0, 0]);
        v
    };
    let steps = vec![
        (false, b"SSH-1.99-OpenSSH_6.6.1p1\n".to_vec()),
        (true, b"SSH-1.5-OpenSSH_6.2\n".to_vec()),
        (false, ssh1(2)),
        (true, ssh1(3)),
        (true, vec![0; 100]),
        (false, vec![0; 84]),
    ];
    let out = run(&AnalyzerConfig::default(), &steps);
    assert!(out.confirmed);
    let r = &out.rows[0];
    assert_eq!(r.version, Some(1));
    assert_eq!((r.auth_success, r.auth_attempts), (None, 0));
}

#[test]
fn length_caps_raise_weirds_like_zeek() {
    let mut config = AnalyzerConfig::default();
    config.ssh.max_packet_length = 100;
    let out = run(&config, &handshake());
    let w = &out.weirds[0];
    assert_eq!(w.name, "SSH_max_packet_length_exceeded");
    assert!(w.addl.as_deref().unwrap().ends_with(" > 100"));
    assert!(out.violation.is_some());
    assert!(!out.confirmed);

    let mut config = AnalyzerConfig::default();
    config.ssh.max_string_length = 10;
    let out = run(&config, &handshake());
    assert_eq!(out.weirds[0].name, "SSH_max_string_length_exceeded");
    assert_eq!(out.weirds[0].addl.as_deref(), Some("46 > 10"));
    assert!(!out.confirmed);
}

#[test]
fn kexinit_list_limits_raise_weirds() {
    let mut config = AnalyzerConfig::default();
    config.ssh.kexinit.kex = 1;
    config.ssh.kexinit.encryption = 1;
    let out = run(&config, &handshake());
    let names: Vec<(&str, Option<&str>)> = out
        .weirds
        .iter()
        .map(|w| (w.name, w.addl.as_deref()))
        .collect();
    assert_eq!(
        names[..3],
        [
            ("SSH_max_kexinit_kex_algorithms_exceeded", Some("2 > 1")),
            (
                "SSH_max_kexinit_encryption_algorithms_exceeded",
                Some("2 > 1")
            ),
            (
                "SSH_max_kexinit_encryption_algorithms_exceeded",
                Some("2 > 1")
            ),
        ]
    );
    // Only the first names take part in the negotiation.
    let r = &out.rows[0];
    assert_eq!(
        r.cipher_alg,
        Some(ZString::from("Algorithm negotiation failed"))
    );
    assert_eq!(
        r.kex_alg,
        Some(ZString::from("Algorithm negotiation failed"))
    );
}

#[test]
fn unknown_kex_algorithm_is_a_weird() {
    let mut steps = handshake();
    steps[2] = (
        true,
        kexinit(
            "sntrup4591761x25519-sha512@tinyssh.org",
            "ssh-rsa",
            "aes128-ctr",
            "hmac-md5",
            "none",
        ),
    );
    steps[3] = (
        false,
        kexinit(
            "sntrup4591761x25519-sha512@tinyssh.org",
            "ssh-rsa",
            "aes128-ctr",
            "hmac-md5",
            "none",
        ),
    );
    steps.truncate(4);
    let out = run(&AnalyzerConfig::default(), &steps);
    assert_eq!(out.weirds[0].name, "ssh_unknown_kex_algorithm");
    assert_eq!(
        out.weirds[0].addl.as_deref(),
        Some("sntrup4591761x25519-sha512@tinyssh.org")
    );
}

#[test]
fn direction_needs_exactly_one_local_side() {
    let mut config = AnalyzerConfig {
        local_nets: Some(vec![("10.0.0.0".parse().unwrap(), 8)]),
        ..AnalyzerConfig::default()
    };
    let out = run(&config, &handshake()[..2]);
    assert_eq!(out.rows[0].direction, Some(Enum("OUTBOUND")));
    config.local_nets = Some(vec![("128.2.0.0".parse().unwrap(), 16)]);
    let out = run(&config, &handshake()[..2]);
    assert_eq!(out.rows[0].direction, Some(Enum("INBOUND")));
    config.local_nets = Some(vec![("0.0.0.0".parse().unwrap(), 0)]);
    let out = run(&config, &handshake()[..2]);
    assert_eq!(out.rows[0].direction, None);
}

#[test]
fn banners_are_software_without_their_protocol_version() {
    use crate::software::SoftwareType;
    let out = run(&AnalyzerConfig::default(), &handshake()[..2]);
    assert!(out.software.is_empty());
    let mut config = crate::test_support::tracking_all_hosts();
    config.software.ssh = true;
    let out = run(&config, &handshake()[..2]);
    let seen: Vec<_> = out
        .software
        .iter()
        .map(|s| (s.kind, s.host.to_string(), s.host_p, s.unparsed.clone()))
        .collect();
    assert_eq!(
        seen,
        [
            (
                SoftwareType::SshServer,
                "128.2.6.88".into(),
                Some(22),
                b"OpenSSH_5.9p1 Debian-5ubuntu1.1".to_vec()
            ),
            (
                SoftwareType::SshClient,
                "10.0.0.18".into(),
                None,
                b"OpenSSH_6.6".to_vec()
            ),
        ]
    );
}

#[test]
fn no_row_without_a_banner() {
    let out = run(
        &AnalyzerConfig::default(),
        &[(false, b"220 smtp ready\r\n".to_vec())],
    );
    assert!(out.rows.is_empty());
}

#[test]
fn fingerprint_is_sha256_base64_cut_to_32() {
    // SHA-256("abc") = ba7816bf 8f01cfea ...
    assert_eq!(
        fingerprint(b"abc"),
        "SHA256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qc"
    );
}

#[test]
fn hassh_columns_only_when_enabled() {
    let out = run(&AnalyzerConfig::default(), &handshake());
    assert_eq!(
        (
            out.rows[0].hassh_version.as_deref(),
            out.rows[0].hassh.as_deref()
        ),
        (None, None)
    );

    let mut config = AnalyzerConfig::default();
    config.ssh.hassh = true;
    let r = &run(&config, &handshake()).rows[0];
    assert_eq!(r.hassh_version.as_deref(), Some("1.1"));
    assert_eq!(
        r.hassh_algorithms,
        Some(ZString::from(
            "ecdh-sha2-nistp256,diffie-hellman-group14-sha1;aes128-ctr,aes256-ctr;hmac-md5,hmac-sha1;none,zlib@openssh.com"
        ))
    );
    assert_eq!(r.sshka, Some(ZString::from("ssh-rsa")));
    assert_eq!(
        r.hassh_server_algorithms,
        Some(ZString::from(
            "diffie-hellman-group14-sha1,ecdh-sha2-nistp256;aes256-ctr,aes128-ctr;hmac-sha1,hmac-md5;none"
        ))
    );
    assert_ne!(r.hassh, r.hassh_server);
}

#[test]
fn group_exchange_reply_carries_the_host_key() {
    let gex = "diffie-hellman-group-exchange-sha256";
    let msg = |t: u8, strings: &[&[u8]]| {
        let mut p = vec![t];
        for s in strings {
            p.extend(string(s));
        }
        packet(&p)
    };
    let steps = vec![
        (false, SERVER.to_vec()),
        (true, CLIENT.to_vec()),
        (
            true,
            kexinit(gex, "ssh-rsa", "aes128-ctr", "hmac-md5", "none"),
        ),
        (
            false,
            kexinit(gex, "ssh-rsa", "aes128-ctr", "hmac-md5", "none"),
        ),
        (true, packet(&[34, 0, 0, 4, 0, 0, 0, 8, 0, 0, 0, 32, 0])),
        (false, msg(31, &[&[0x7f; 257], &[2]])),
        (true, msg(32, &[&[1; 256]])),
        (false, msg(33, &[HOST_KEY, &[1; 256], &[2; 64]])),
        (false, newkeys()),
        (true, newkeys()),
    ];
    let out = run(&AnalyzerConfig::default(), &steps);
    assert!(out.confirmed);
    assert_eq!(out.violation, None);
    let r = &out.rows[0];
    assert_eq!(r.kex_alg, Some(ZString::from(gex)));
    assert_eq!(
        r.host_key_fingerprint,
        Some(ZString::from(fingerprint(HOST_KEY)))
    );
}

#[test]
fn unexpected_message_in_an_ecdh_exchange_is_a_violation() {
    let mut steps = handshake();
    steps[4] = (true, packet(&[50, 1, 2, 3]));
    let out = run(&AnalyzerConfig::default(), &steps);
    assert!(out.violation.is_some());
    assert!(!out.confirmed);
    // The row is still written, with what was known.
    assert_eq!(
        out.rows[0].kex_alg,
        Some(ZString::from("ecdh-sha2-nistp256"))
    );
}

#[test]
fn a_capped_packet_in_pieces_is_one_weird() {
    let mut config = AnalyzerConfig::default();
    config.ssh.max_packet_length = 100;
    let mut steps = handshake();
    let kexinit = steps.remove(2).1;
    let rest = steps.split_off(2);
    steps.extend(kexinit.chunks(20).map(|c| (true, c.to_vec())));
    steps.extend(rest);
    let out = run(&config, &steps);
    assert_eq!(out.weirds.len(), 1);
    assert_eq!(out.weirds[0].name, "SSH_max_packet_length_exceeded");
}

#[test]
fn crlf_split_across_deliveries_is_one_line_end() {
    let mut steps = handshake();
    steps[1] = (true, b"SSH-2.0-OpenSSH_6.6\r".to_vec());
    let mut kexinit = b"\n".to_vec();
    kexinit.extend(steps[2].1.clone());
    steps[2] = (true, kexinit);
    let out = run(&AnalyzerConfig::default(), &steps);
    assert_eq!(out.violation, None);
    assert!(out.confirmed);
    assert_eq!(
        out.rows[0].client,
        Some(ZString::from("SSH-2.0-OpenSSH_6.6"))
    );
}
