//! LDAP (RFC 4511, BER-encoded LDAPMessages) over TCP and UDP (CLDAP):
//! recognises the protocol for conn.log's `ldap_tcp` / `ldap_udp` service,
//! as Zeek's `base/protocols/ldap` does. (ldap.log is not written yet.)

use crate::framing::{Fed, Framing, MessageStream};
use crate::{Analyzer, Context};

/// Largest message buffered (search results can be large).
const MAX_MESSAGE: usize = 1 << 20;

/// The StartTLS extended operation's name (RFC 4511 §4.14).
const START_TLS_OID: &[u8] = b"1.3.6.1.4.1.1466.20037";
const EXTENDED_REQUEST: u8 = 0x77;
const EXTENDED_RESPONSE: u8 = 0x78;

pub struct LdapAnalyzer {
    proto: u8,
    streams: [MessageStream; 2],
    confirmed: bool,
    /// The client asked for StartTLS and awaits the answer.
    start_tls_asked: bool,
    /// Stopped: not LDAP, or beyond what is parsed (SASL-wrapped traffic).
    done: bool,
}

impl LdapAnalyzer {
    pub fn new(proto: u8) -> Self {
        LdapAnalyzer {
            proto,
            streams: [
                MessageStream::new(MAX_MESSAGE),
                MessageStream::new(MAX_MESSAGE),
            ],
            confirmed: false,
            start_tls_asked: false,
            done: false,
        }
    }

    fn outcome(&mut self, cx: &mut Context<'_>, fed: Fed, any: bool) {
        if any && !self.confirmed {
            self.confirmed = true;
            cx.confirm();
        }
        if fed == Fed::Broken {
            // Past confirmation this is typically SASL-wrapped traffic,
            // which is not parsed: stop quietly.
            if !self.confirmed {
                cx.violation("not an LDAP message", None);
            }
            self.done = true;
        }
    }
}

impl Analyzer for LdapAnalyzer {
    fn deliver(&mut self, cx: &mut Context<'_>, is_orig: bool, data: &[u8]) {
        if self.done {
            return;
        }
        let mut any = false;
        let fed = if self.proto == 17 {
            let whole = ber_frame(data) == Framing::Length(data.len());
            if whole && is_ldap_message(data) {
                any = true;
                Fed::Ok
            } else {
                Fed::Broken
            }
        } else {
            let mut tls = false;
            let mut carried = Vec::new();
            let asked = &mut self.start_tls_asked;
            let fed = self.streams[usize::from(!is_orig)].feed(data, ber_frame, |m| {
                let ok = is_ldap_message(m);
                any |= ok;
                tls |= ok && start_tls_step(asked, is_orig, m);
                if ok {
                    carried.extend_from_slice(sasl_services(m));
                }
                ok
            });
            // Zeek's GSSAPI/KRB/NTLM analyzers confirm while the bind is
            // parsed, before LDAP confirms the message.
            for s in carried {
                cx.confirm_also(s);
            }
            if tls {
                // StartTLS succeeded: the rest is TLS.
                self.outcome(cx, fed, any);
                self.done = true;
                return cx.hand_over(crate::Kind::Ssl);
            }
            fed
        };
        self.outcome(cx, fed, any);
    }

    fn gap(&mut self, _cx: &mut Context<'_>, is_orig: bool, _len: u64) {
        self.streams[usize::from(!is_orig)].clear();
        if !self.confirmed {
            self.done = true;
        }
    }

    fn finish(&mut self, _cx: &mut Context<'_>) {}
}

/// The protocols a SASL bind request carries, as conn.log services: NTLM
/// (raw or inside SPNEGO) or Kerberos through GSSAPI.
fn sasl_services(m: &[u8]) -> &'static [&'static str] {
    const NTLMSSP: &[u8] = b"NTLMSSP\0";
    // Kerberos V5 OIDs 1.2.840.113554.1.2.2 and Microsoft's 1.2.840.48018.1.2.2.
    const KRB5: &[u8] = b"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02";
    const MS_KRB5: &[u8] = b"\x2a\x86\x48\x82\xf7\x12\x01\x02\x02";
    const BIND_REQUEST: u8 = 0x60;
    const SASL: u8 = 0xa3;
    let Some((BIND_REQUEST, body)) = protocol_op(m) else {
        return &[];
    };
    if !body.contains(&SASL) {
        return &[];
    }
    let has = |needle: &[u8]| body.windows(needle.len()).any(|w| w == needle);
    if has(NTLMSSP) {
        &["ntlm"]
    } else if has(KRB5) || has(MS_KRB5) {
        &["krb", "gssapi"]
    } else {
        &[]
    }
}

/// Follows a StartTLS exchange: the request sets `asked`; a successful
/// extended response to it returns true.
fn start_tls_step(asked: &mut bool, is_orig: bool, m: &[u8]) -> bool {
    let Some((op, body)) = protocol_op(m) else {
        return false;
    };
    if is_orig && op == EXTENDED_REQUEST {
        *asked = body
            .windows(START_TLS_OID.len())
            .any(|w| w == START_TLS_OID);
        return false;
    }
    // ExtendedResponse starts with its resultCode: ENUMERATED, 1 byte, 0.
    let success = body.starts_with(&[0x0a, 0x01, 0x00]);
    let done = !is_orig && *asked && op == EXTENDED_RESPONSE && success;
    if !is_orig && op == EXTENDED_RESPONSE {
        *asked = false;
    }
    done
}

/// The protocolOp tag and its contents (after the tag and length).
fn protocol_op(m: &[u8]) -> Option<(u8, &[u8])> {
    let hdr = if m[1] < 0x80 {
        2
    } else {
        2 + (m[1] & 0x7f) as usize
    };
    let op_at = hdr + 2 + *m.get(hdr + 1)? as usize;
    let op = *m.get(op_at)?;
    let len_byte = *m.get(op_at + 1)?;
    let body_at = if len_byte < 0x80 {
        op_at + 2
    } else {
        op_at + 2 + (len_byte & 0x7f) as usize
    };
    Some((op, m.get(body_at..)?))
}

/// The size of the BER SEQUENCE at the start of `b`.
fn ber_frame(b: &[u8]) -> Framing {
    let (Some(&tag), Some(&first)) = (b.first(), b.get(1)) else {
        return Framing::NeedMore;
    };
    if tag != 0x30 {
        return Framing::Invalid;
    }
    match first {
        0..=0x7f => Framing::Length(2 + first as usize),
        0x81..=0x84 => {
            let n = (first & 0x7f) as usize;
            let Some(len) = b.get(2..2 + n) else {
                return Framing::NeedMore;
            };
            let len = len.iter().fold(0usize, |a, &x| a << 8 | x as usize);
            Framing::Length(2 + n + len)
        }
        _ => Framing::Invalid,
    }
}

/// An LDAPMessage: SEQUENCE { messageID INTEGER (1–4 bytes), protocolOp
/// [APPLICATION n] ... }.
fn is_ldap_message(m: &[u8]) -> bool {
    let hdr = match m.get(1) {
        Some(&l) if l < 0x80 => 2,
        Some(&l) => 2 + (l & 0x7f) as usize,
        None => return false,
    };
    let Some(id) = m.get(hdr..) else {
        return false;
    };
    let (Some(&0x02), Some(&id_len)) = (id.first(), id.get(1)) else {
        return false;
    };
    if !(1..=4).contains(&id_len) {
        return false;
    }
    id.get(2 + id_len as usize)
        .is_some_and(|&op| op & 0xc0 == 0x40 && op & 0x1f <= 25)
}

/// Zeek's `dpd_ldap_client_*` / `dpd_ldap_server_*` signatures: a request
/// LDAPMessage from the originator (bind, search or extended over UDP; also
/// modify, add, delete, modifyDN, compare over TCP) and a SEQUENCE back.
pub fn signature(proto: u8, orig: &[u8], resp: &[u8]) -> Option<bool> {
    if orig.is_empty() || resp.is_empty() {
        return None;
    }
    let ops: &[u8] = if proto == 17 {
        &[0x60, 0x63, 0x77]
    } else {
        &[0x4a, 0x60, 0x63, 0x66, 0x68, 0x6c, 0x6e, 0x77]
    };
    let client = is_ldap_message(orig) && {
        let hdr = if orig[1] < 0x80 {
            2
        } else {
            2 + (orig[1] & 0x7f) as usize
        };
        let op_at = hdr + 2 + orig[hdr + 1] as usize;
        orig[1] >= 0x05 && ops.contains(&orig[op_at])
    };
    Some(client && resp[0] == 0x30)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{conn, drive};

    /// bindRequest, messageID 1, simple auth (anonymous).
    const BIND: &[u8] = b"\x30\x0c\x02\x01\x01\x60\x07\x02\x01\x03\x04\x00\x80\x00";
    /// bindResponse success.
    const BIND_OK: &[u8] = b"\x30\x0c\x02\x01\x01\x61\x07\x0a\x01\x00\x04\x00\x04\x00";

    fn run(proto: u8, msgs: &[(bool, &[u8])]) -> (bool, bool) {
        let o = drive(&mut LdapAnalyzer::new(proto), &conn(proto, 389), msgs);
        (o.confirmed, o.violated)
    }

    #[test]
    fn bind_exchange_confirms_even_split_byte_by_byte() {
        assert_eq!(run(6, &[(true, BIND), (false, BIND_OK)]), (true, false));
        let bytes: Vec<(bool, &[u8])> = BIND.chunks(1).map(|c| (true, c)).collect();
        assert_eq!(run(6, &bytes), (true, false));
        assert_eq!(run(17, &[(true, BIND)]), (true, false));
    }

    #[test]
    fn successful_start_tls_hands_over_to_tls() {
        // extendedReq { requestName [0] "1.3.6.1.4.1.1466.20037" }
        let mut req = b"\x30\x1d\x02\x01\x01\x77\x18\x80\x16".to_vec();
        req.extend_from_slice(START_TLS_OID);
        // extendedResp { resultCode success, matchedDN "", diag "" }
        let resp = b"\x30\x0c\x02\x01\x01\x78\x07\x0a\x01\x00\x04\x00\x04\x00";
        let mut asked = false;
        assert!(!start_tls_step(&mut asked, true, &req));
        assert!(asked);
        assert!(start_tls_step(&mut asked, false, resp));
        // A failed answer does not.
        let mut asked = true;
        let refused = b"\x30\x0c\x02\x01\x01\x78\x07\x0a\x01\x02\x04\x00\x04\x00";
        assert!(!start_tls_step(&mut asked, false, refused));
    }

    /// A bindRequest (messageID 2, version 3, no name) with SASL
    /// credentials `creds` under `mechanism`.
    fn sasl_bind(mechanism: &[u8], creds: &[u8]) -> Vec<u8> {
        let tlv = |tag: u8, body: &[u8]| [&[tag, body.len() as u8][..], body].concat();
        let sasl = tlv(0xa3, &[tlv(0x04, mechanism), tlv(0x04, creds)].concat());
        let bind = tlv(0x60, &[tlv(0x02, &[3]), tlv(0x04, b""), sasl].concat());
        tlv(0x30, &[tlv(0x02, &[2]), bind].concat())
    }

    #[test]
    fn sasl_binds_name_the_protocols_they_carry() {
        let ntlm = sasl_bind(b"GSS-SPNEGO", b"NTLMSSP\0\x01\x00\x00\x00");
        assert_eq!(sasl_services(&ntlm), ["ntlm"]);
        let krb = sasl_bind(
            b"GSSAPI",
            b"\x60\x0b\x06\x09\x2a\x86\x48\x86\xf7\x12\x01\x02\x02",
        );
        assert_eq!(sasl_services(&krb), ["krb", "gssapi"]);
        assert!(
            sasl_services(BIND).is_empty(),
            "a simple bind carries nothing"
        );
        // Carried protocols confirm before LDAP when the bind comes first.
        let o = drive(&mut LdapAnalyzer::new(6), &conn(6, 389), &[(true, &krb)]);
        assert!(o.confirmed);
    }

    #[test]
    fn other_protocols_are_violations() {
        assert_eq!(run(6, &[(true, b"GET / HTTP/1.1\r\n\r\n")]), (false, true));
        assert_eq!(run(17, &[(true, &BIND[..10])]), (false, true));
    }

    #[test]
    fn signature_wants_a_request_and_a_reply() {
        assert_eq!(signature(6, BIND, b""), None);
        assert_eq!(signature(6, BIND, BIND_OK), Some(true));
        assert_eq!(signature(6, BIND_OK, BIND), Some(false));
        assert_eq!(signature(6, b"\x16\x03\x01\x00\x05", b"\x30"), Some(false));
    }
}
