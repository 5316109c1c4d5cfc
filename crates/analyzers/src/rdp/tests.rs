use super::*;
use crate::test_support::{conn, drive};
use crate::Kind;

fn tpkt(cotp: &[u8]) -> Vec<u8> {
    [
        &[TPKT_VERSION, 0][..],
        &((cotp.len() + 4) as u16).to_be_bytes(),
        cotp,
    ]
    .concat()
}

fn connect_request() -> Vec<u8> {
    let mut body = b"\0\0\0\0\0Cookie: mstshash=alice\r\n".to_vec();
    body.extend([0x01, 0x00, 0x08, 0x00, 0x03, 0x00, 0x00, 0x00]);
    tpkt(&[&[body.len() as u8 + 1, CONNECT_REQUEST][..], &body[..]].concat())
}

fn connect_confirm(selected: u32) -> Vec<u8> {
    let mut body = vec![0, 0, 0, 0, 0, NEGOTIATION_RESPONSE, 0, 8, 0];
    body.extend(selected.to_le_bytes());
    tpkt(&[&[body.len() as u8 + 1, CONNECT_CONFIRM][..], &body[..]].concat())
}

/// An X.224 data PDU with an MCS connect PDU whose GCC data holds one
/// block of `kind` with `body`.
fn mcs(app: u8, key: &[u8; 4], kind: u16, body: &[u8]) -> Vec<u8> {
    let mut dt = vec![2, DATA, 0x80, 0x7F, app, 0x82, 0x01, 0x00];
    dt.extend([0; 20]);
    dt.extend(key);
    dt.extend([0x81, 0x00]);
    dt.extend(kind.to_le_bytes());
    dt.extend(((body.len() + 4) as u16).to_le_bytes());
    dt.extend(body);
    tpkt(&dt)
}

#[test]
fn tls_selected_hands_the_stream_to_detection() {
    let mut a = RdpAnalyzer::default();
    let o = drive(
        &mut a,
        &conn(6, 3389),
        &[(true, &connect_request()), (false, &connect_confirm(1))],
    );
    assert!(!o.confirmed, "Zeek confirms RDP only on MCS data");
    assert!(!o.violated);
    assert!(a.done);
    assert!(o.handed_over.is_empty());
}

#[test]
fn standard_security_is_confirmed_by_mcs_data() {
    let o = drive(
        &mut RdpAnalyzer::default(),
        &conn(6, 3389),
        &[
            (true, &connect_request()),
            (false, &connect_confirm(0)),
            (
                true,
                &mcs(
                    MCS_CONNECT_INITIAL,
                    b"Duca",
                    CLIENT_CORE_DATA,
                    &[4, 0, 8, 0],
                ),
            ),
        ],
    );
    assert!(o.confirmed);
    let mut a = RdpAnalyzer::default();
    let security = [1, 0, 0, 0, 2, 0, 0, 0];
    let o = drive(
        &mut a,
        &conn(6, 3389),
        &[(
            false,
            &mcs(
                MCS_CONNECT_RESPONSE,
                b"McDn",
                SERVER_SECURITY_DATA,
                &security,
            ),
        )],
    );
    assert!(o.confirmed);
    assert!(a.done, "RDP encryption ends the analysis");
    assert_ne!(Kind::Rdp.service(6), "");
}

#[test]
fn not_tpkt_is_a_violation() {
    let o = drive(
        &mut RdpAnalyzer::default(),
        &conn(6, 3389),
        &[(true, b"GET / HTTP/1.1\r\n\r\n")],
    );
    assert!(o.violated);
}
