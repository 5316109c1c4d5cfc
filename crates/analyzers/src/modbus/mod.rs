//! Modbus/TCP (MBAP framing): recognises the protocol for conn.log's
//! `modbus` service, as Zeek's `base/protocols/modbus` does. (modbus.log is
//! not written yet.)

use crate::framing::{Fed, Framing, MessageStream};
use crate::{Analyzer, Context};

/// An MBAP length field is 16 bits.
const MAX_MESSAGE: usize = 6 + 0xffff;

pub struct ModbusAnalyzer {
    streams: [MessageStream; 2],
    confirmed: bool,
    done: bool,
}

impl Default for ModbusAnalyzer {
    fn default() -> Self {
        ModbusAnalyzer {
            streams: [
                MessageStream::new(MAX_MESSAGE),
                MessageStream::new(MAX_MESSAGE),
            ],
            confirmed: false,
            done: false,
        }
    }
}

impl Analyzer for ModbusAnalyzer {
    fn deliver(&mut self, cx: &mut Context<'_>, is_orig: bool, data: &[u8]) {
        if self.done {
            return;
        }
        let mut any = false;
        let fed = self.streams[usize::from(!is_orig)].feed(data, mbap_frame, |m| {
            // Function codes 1-127; responses set the top bit for exceptions.
            let ok = matches!(m[7] & 0x7f, 1..=127);
            any |= ok;
            ok
        });
        if any && !self.confirmed {
            self.confirmed = true;
            cx.confirm();
        }
        if fed == Fed::Broken {
            if !self.confirmed {
                cx.violation("not a Modbus/TCP message", None);
            }
            self.done = true;
        }
    }

    fn gap(&mut self, _cx: &mut Context<'_>, is_orig: bool, _len: u64) {
        self.streams[usize::from(!is_orig)].clear();
    }

    fn finish(&mut self, _cx: &mut Context<'_>) {}
}

/// MBAP header: transaction id, protocol id (0), length of what follows
/// (unit id, function code, data: at least 2), unit id.
fn mbap_frame(b: &[u8]) -> Framing {
    if b.len() < 8 {
        return Framing::NeedMore;
    }
    let protocol = u16::from_be_bytes([b[2], b[3]]);
    let len = u16::from_be_bytes([b[4], b[5]]) as usize;
    if protocol != 0 || len < 2 {
        return Framing::Invalid;
    }
    Framing::Length(6 + len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mbap_framing() {
        // Read holding registers request.
        let req = b"\x00\x01\x00\x00\x00\x06\x01\x03\x00\x00\x00\x02";
        assert_eq!(mbap_frame(req), Framing::Length(12));
        assert_eq!(mbap_frame(&req[..5]), Framing::NeedMore);
        // TLS and DCE/RPC on port 502 are not Modbus.
        assert_eq!(
            mbap_frame(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc"),
            Framing::Invalid
        );
        assert_eq!(
            mbap_frame(b"\x05\x00\x0b\x03\x10\x00\x00\x00"),
            Framing::Invalid
        );
    }
}
