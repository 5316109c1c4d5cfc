//! Key exchange: KEXINIT name lists, the algorithms both sides agree on,
//! and which key exchange messages follow.

use super::wire::{ParseError, Reader};

/// `SSH::max_kexinit_*`: name-list entries kept per KEXINIT list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KexinitLimits {
    pub kex: usize,
    pub hostkey: usize,
    pub encryption: usize,
    pub mac: usize,
    pub compression: usize,
    pub languages: usize,
}

impl Default for KexinitLimits {
    fn default() -> Self {
        KexinitLimits {
            kex: 256,
            hostkey: 256,
            encryption: 256,
            mac: 256,
            compression: 256,
            languages: 256,
        }
    }
}

/// A list cut at its limit: a weird's name and `addl`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListCapped {
    pub weird: &'static str,
    pub addl: String,
}

/// One side's preferences for one algorithm kind, per direction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prefs {
    pub client_to_server: Vec<Vec<u8>>,
    pub server_to_client: Vec<Vec<u8>>,
}

/// What one KEXINIT offers (Zeek's `SSH::Capabilities`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities {
    pub kex: Vec<Vec<u8>>,
    pub host_key: Vec<Vec<u8>>,
    pub encryption: Prefs,
    pub mac: Prefs,
    pub compression: Prefs,
}

/// The algorithms in use, as ssh.log shows them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Negotiated {
    pub cipher: Vec<u8>,
    pub mac: Vec<u8>,
    pub compression: Vec<u8>,
    pub kex: Vec<u8>,
    pub host_key: Vec<u8>,
}

/// Parses a KEXINIT payload (after the message type). Lists longer than
/// their limit are cut and reported in `capped`.
pub fn parse_kexinit(
    r: &mut Reader<'_>,
    limits: &KexinitLimits,
    capped: &mut Vec<ListCapped>,
) -> Result<Capabilities, ParseError> {
    r.bytes(16)?; // cookie
    let [kex, host_key, enc_cs, enc_sc, mac_cs, mac_sc, comp_cs, comp_sc, lang_cs, lang_sc] =
        r.strings::<10>()?;
    r.u8()?; // first_kex_packet_follows
    r.u32()?; // reserved
    let mut list = |raw: &[u8], max: usize, weird: &'static str| {
        let (names, cut) = name_list(raw, max, weird);
        capped.extend(cut);
        names
    };
    let caps = Capabilities {
        kex: list(kex, limits.kex, "SSH_max_kexinit_kex_algorithms_exceeded"),
        host_key: list(
            host_key,
            limits.hostkey,
            "SSH_max_kexinit_hostkey_algorithms_exceeded",
        ),
        encryption: Prefs {
            client_to_server: list(enc_cs, limits.encryption, ENC_WEIRD),
            server_to_client: list(enc_sc, limits.encryption, ENC_WEIRD),
        },
        mac: Prefs {
            client_to_server: list(mac_cs, limits.mac, MAC_WEIRD),
            server_to_client: list(mac_sc, limits.mac, MAC_WEIRD),
        },
        compression: Prefs {
            client_to_server: list(comp_cs, limits.compression, COMP_WEIRD),
            server_to_client: list(comp_sc, limits.compression, COMP_WEIRD),
        },
    };
    // Languages are only split (and so only checked) when present.
    for langs in [lang_cs, lang_sc] {
        if !langs.is_empty() {
            list(
                langs,
                limits.languages,
                "SSH_max_kexinit_languages_exceeded",
            );
        }
    }
    Ok(caps)
}

const ENC_WEIRD: &str = "SSH_max_kexinit_encryption_algorithms_exceeded";
const MAC_WEIRD: &str = "SSH_max_kexinit_mac_algorithms_exceeded";
const COMP_WEIRD: &str = "SSH_max_kexinit_compression_algorithms_exceeded";

/// Splits a comma-separated name-list (empty names kept, as Zeek's
/// tokenizer does), keeping at most `max` names (0: all).
fn name_list(raw: &[u8], max: usize, weird: &'static str) -> (Vec<Vec<u8>>, Option<ListCapped>) {
    let total = raw.split(|&b| b == b',').count();
    let keep = if max == 0 { total } else { total.min(max) };
    let names = raw
        .split(|&b| b == b',')
        .take(keep)
        .map(<[u8]>::to_vec)
        .collect();
    let cut = (keep < total).then(|| ListCapped {
        weird,
        addl: format!("{total} > {max}"),
    });
    (names, cut)
}

/// The first client algorithm the server also offers (Zeek's `find_alg`).
pub fn find_alg<'a>(client: &'a [Vec<u8>], server: &[Vec<u8>]) -> Option<&'a [u8]> {
    client
        .iter()
        .find(|c| server.contains(c))
        .map(Vec::as_slice)
}

fn find_or_failed(client: &[Vec<u8>], server: &[Vec<u8>]) -> Vec<u8> {
    find_alg(client, server)
        .unwrap_or(b"Algorithm negotiation failed")
        .to_vec()
}

/// Both directions' choice, one name when they agree (Zeek's
/// `find_bidirectional_alg`).
fn find_bidirectional(client: &Prefs, server: &Prefs) -> Vec<u8> {
    let to_server = find_or_failed(&client.client_to_server, &server.client_to_server);
    let to_client = find_or_failed(&client.server_to_client, &server.server_to_client);
    if to_server == to_client {
        return to_server;
    }
    let mut s = b"To server: ".to_vec();
    s.extend_from_slice(&to_server);
    s.extend_from_slice(b", to client: ");
    s.extend_from_slice(&to_client);
    s
}

/// What ssh.log reports once both KEXINITs are known.
pub fn negotiate(client: &Capabilities, server: &Capabilities) -> Negotiated {
    Negotiated {
        cipher: find_bidirectional(&client.encryption, &server.encryption),
        mac: find_bidirectional(&client.mac, &server.mac),
        compression: find_bidirectional(&client.compression, &server.compression),
        kex: find_or_failed(&client.kex, &server.kex),
        host_key: find_or_failed(&client.host_key, &server.host_key),
    }
}

/// The message family that follows KEXINIT, by key exchange method; it
/// decides how message types 30 and up are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KexMethod {
    Dh,
    DhGex,
    Ecc,
    Gss,
    Rsa,
}

/// The method family of a kex algorithm name; `None` for names Zeek does
/// not know (it raises `ssh_unknown_kex_algorithm`).
pub fn kex_method(alg: &[u8]) -> Option<KexMethod> {
    const EXACT: &[(&[u8], KexMethod)] = &[
        (b"rsa1024-sha1", KexMethod::Rsa),
        (b"rsa2048-sha256", KexMethod::Rsa),
        (b"ecmqv-sha2", KexMethod::Ecc),
    ];
    const PREFIX: &[(&[u8], KexMethod)] = &[
        (b"diffie-hellman-group-exchange-", KexMethod::DhGex),
        (b"diffie-hellman-group", KexMethod::Dh),
        (b"gss-", KexMethod::Gss),
        (b"ecdh-sha2-", KexMethod::Ecc),
        (b"curve25519-sha256", KexMethod::Ecc),
        (b"curve448-sha512", KexMethod::Ecc),
        (b"sntrup761x25519-sha512", KexMethod::Ecc),
        (b"mlkem768x25519-sha256", KexMethod::Ecc),
        (b"mlkem1024nistp384-sha384", KexMethod::Ecc),
        (b"mlkem768nistp256-sha256", KexMethod::Ecc),
    ];
    EXACT
        .iter()
        .find(|(name, _)| *name == alg)
        .or_else(|| PREFIX.iter().find(|(p, _)| alg.starts_with(p)))
        .map(|(_, m)| *m)
}

/// The server host key blob carried by a key exchange message, if this
/// message carries one. Errors are binpac's parse failures: for the
/// methods whose message switch has no default, unknown types fail too.
pub fn host_key<'a>(
    method: KexMethod,
    msg_type: u8,
    r: &mut Reader<'a>,
) -> Result<Option<&'a [u8]>, ParseError> {
    let invalid = Err(ParseError("invalid index for case"));
    match (method, msg_type) {
        (KexMethod::Dh, 30) | (KexMethod::DhGex, 32) | (KexMethod::Ecc, 30) => {
            r.string()?;
        }
        (KexMethod::Dh, 31) | (KexMethod::DhGex, 33) | (KexMethod::Ecc, 31) => {
            let [k_s, _, _] = r.strings::<3>()?;
            return Ok(Some(k_s));
        }
        (KexMethod::DhGex, 30) => {
            r.u32()?;
        }
        (KexMethod::DhGex, 34) | (KexMethod::Gss, 40) => {
            r.bytes(12)?;
        }
        (KexMethod::DhGex, 31) | (KexMethod::Gss, 41) | (KexMethod::Gss, 30) => {
            r.strings::<2>()?;
        }
        (KexMethod::Dh | KexMethod::DhGex, _) => {}
        (KexMethod::Gss, 31) => {
            r.string()?;
        }
        (KexMethod::Gss, 32) => {
            r.strings::<2>()?;
            if r.u8()? != 0 {
                r.string()?;
            }
        }
        (KexMethod::Gss, 33) => return Ok(Some(r.string()?)),
        (KexMethod::Gss, 34) => {
            r.bytes(8)?;
            r.strings::<2>()?;
        }
        (KexMethod::Rsa, 30) => {
            r.strings::<2>()?;
        }
        (KexMethod::Rsa, 31 | 32) => {
            r.string()?;
        }
        _ => return invalid,
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(s: &str) -> Vec<Vec<u8>> {
        s.split(',').map(|n| n.as_bytes().to_vec()).collect()
    }

    #[test]
    fn name_lists_keep_empty_names_and_cut_at_limit() {
        let (l, cut) = name_list(b"a,,b", 0, "w");
        assert_eq!(l, names("a,,b"));
        assert_eq!(cut, None);
        let (l, cut) = name_list(b"a,b,c", 2, "w");
        assert_eq!(l, names("a,b"));
        assert_eq!(cut.unwrap().addl, "3 > 2");
    }

    #[test]
    fn negotiation_takes_first_client_choice_per_direction() {
        let client = Prefs {
            client_to_server: names("aes128-ctr,aes256-ctr"),
            server_to_client: names("aes256-ctr"),
        };
        let server = Prefs {
            client_to_server: names("aes256-ctr,aes128-ctr"),
            server_to_client: names("aes256-ctr"),
        };
        assert_eq!(
            find_bidirectional(&client, &server),
            b"To server: aes128-ctr, to client: aes256-ctr"
        );
        assert_eq!(find_bidirectional(&server, &server), b"aes256-ctr");
        assert_eq!(
            find_or_failed(&names("x"), &names("y")),
            b"Algorithm negotiation failed"
        );
    }

    #[test]
    fn kex_methods_follow_algorithm_names() {
        assert_eq!(
            kex_method(b"diffie-hellman-group-exchange-sha256"),
            Some(KexMethod::DhGex)
        );
        assert_eq!(
            kex_method(b"diffie-hellman-group18-sha512"),
            Some(KexMethod::Dh)
        );
        assert_eq!(
            kex_method(b"curve25519-sha256@libssh.org"),
            Some(KexMethod::Ecc)
        );
        assert_eq!(kex_method(b"mlkem768x25519-sha256"), Some(KexMethod::Ecc));
        assert_eq!(
            kex_method(b"gss-gex-sha1-toWM5Slw5Ew8Mqkay+al2g=="),
            Some(KexMethod::Gss)
        );
        assert_eq!(kex_method(b"rsa2048-sha256"), Some(KexMethod::Rsa));
        assert_eq!(kex_method(b"ext-info-c"), None);
    }
}
