//! The frames of a decrypted Initial packet (RFC 9000 §19). Zeek's
//! analyzer parses the ones an Initial packet may carry (PADDING, PING,
//! ACK, CRYPTO, CONNECTION_CLOSE of the transport) and rejects any other.

use super::packet::{Malformed, Reader};

#[derive(Debug, PartialEq, Eq)]
pub enum Frame<'a> {
    /// PADDING, PING or ACK: nothing to act on.
    Skipped,
    Crypto {
        offset: u64,
        data: &'a [u8],
    },
    ConnectionClose,
}

/// The frames of `payload`, in order; the first malformed or unexpected
/// frame ends the iteration with an error.
pub fn frames(payload: &[u8]) -> impl Iterator<Item = Result<Frame<'_>, Malformed>> {
    let mut r = Reader::new(payload);
    let mut failed = false;
    std::iter::from_fn(move || {
        if failed || r.is_empty() {
            return None;
        }
        let frame = next_frame(&mut r);
        failed = frame.is_err();
        Some(frame)
    })
}

fn next_frame<'a>(r: &mut Reader<'a>) -> Result<Frame<'a>, Malformed> {
    match r.u8()? {
        0x00 => r.skip_while(|b| b == 0),
        0x01 => {}
        t @ (0x02 | 0x03) => skip_ack(r, t == 0x03)?,
        0x06 => {
            let offset = r.varint()?;
            let data = r.varint_bytes()?;
            return Ok(Frame::Crypto { offset, data });
        }
        0x1c => {
            r.varint()?; // error code
            r.varint()?; // frame type
            r.varint_bytes()?; // reason phrase
            return Ok(Frame::ConnectionClose);
        }
        _ => return Err("unhandled frame type"),
    }
    Ok(Frame::Skipped)
}

fn skip_ack(r: &mut Reader<'_>, with_ecn: bool) -> Result<(), Malformed> {
    r.varint()?; // largest acknowledged
    r.varint()?; // delay
    let ranges = r.varint()?;
    r.varint()?; // first range
                 // Each range takes at least two bytes, so a huge count ends at the
                 // end of the payload.
    for _ in 0..ranges {
        r.varint()?; // gap
        r.varint()?; // length
    }
    if with_ecn {
        for _ in 0..3 {
            r.varint()?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_payload_frames() {
        let payload = [
            0x02, 0x05, 0x00, 0x01, 0x00, 0x02, 0x01, // ACK with one more range
            0x01, // PING
            0x06, 0x40, 0x10, 0x03, b'a', b'b', b'c', // CRYPTO at 16
            0x1c, 0x0a, 0x00, 0x02, b'n', b'o', // CONNECTION_CLOSE
            0x00, 0x00, 0x00, // PADDING
        ];
        let got: Vec<_> = frames(&payload).collect();
        assert_eq!(
            got,
            vec![
                Ok(Frame::Skipped),
                Ok(Frame::Skipped),
                Ok(Frame::Crypto {
                    offset: 16,
                    data: b"abc"
                }),
                Ok(Frame::ConnectionClose),
                Ok(Frame::Skipped),
            ]
        );
    }

    #[test]
    fn stream_frames_and_truncation_are_errors() {
        let got: Vec<_> = frames(&[0x01, 0x08, 0x00]).collect();
        assert_eq!(got, vec![Ok(Frame::Skipped), Err("unhandled frame type")]);
        let got: Vec<_> = frames(&[0x06, 0x00, 0x05, b'a']).collect();
        assert_eq!(got, vec![Err("packet truncated")]);
        // An ACK announcing 2^62 ranges stops at the end of the data.
        let huge = [
            0x02, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0,
        ];
        assert_eq!(frames(&huge).last(), Some(Err("packet truncated")));
    }
}
