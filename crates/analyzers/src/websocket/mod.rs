//! WebSocket (RFC 6455), as Zeek's WebSocket analyzer: HTTP hands the
//! stream over after a `101 Switching Protocols` upgrade (see
//! [`handshake`] for the checks and websocket.log row at that point). Each
//! direction is a sequence of frames; the (unmasked) payload of text and
//! binary messages goes through protocol detection of its own, as Zeek's
//! `WebSocket::use_dpd` does, and a complete message confirms the protocol.

pub mod handshake;
mod record;

pub use record::WebsocketRecord;

use crate::{Analyzer, Context};

const OPCODE_CONTINUATION: u8 = 0x0;
const OPCODE_TEXT: u8 = 0x1;
const OPCODE_BINARY: u8 = 0x2;

/// Frame header of one direction being read.
#[derive(Debug, Default)]
struct Frame {
    fin: bool,
    /// Close, ping or pong: a message of its own amid a fragmented one.
    control: bool,
    /// The message's opcode (continuations carry the first frame's).
    message_opcode: u8,
    mask: Option<[u8; 4]>,
    remaining: u64,
    /// Payload bytes of this frame seen so far (the masking key index).
    offset: u64,
}

/// One direction's parser state.
#[derive(Debug, Default)]
struct Side {
    /// Header bytes of the next frame, until complete.
    header: Vec<u8>,
    /// The frame whose payload is being read.
    frame: Option<Frame>,
    /// Opcode of the message in progress (set by its first frame).
    message_opcode: Option<u8>,
}

#[derive(Default)]
pub struct WebSocketAnalyzer {
    sides: [Side; 2],
    /// Content went missing: Zeek's analyzer skips the rest.
    had_gap: bool,
}

/// Header length implied by its first two bytes, once known.
fn header_len(h: &[u8]) -> Option<usize> {
    let b2 = *h.get(1)?;
    let ext = match b2 & 0x7F {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    Some(2 + ext + if b2 & 0x80 != 0 { 4 } else { 0 })
}

/// Parses a complete header.
fn parse_header(h: &[u8]) -> (bool, u8, Option<[u8; 4]>, u64) {
    let fin = h[0] & 0x80 != 0;
    let opcode = h[0] & 0x0F;
    let (len, rest) = match h[1] & 0x7F {
        126 => (u64::from(u16::from_be_bytes([h[2], h[3]])), &h[4..]),
        127 => {
            let mut b = [0u8; 8];
            b.copy_from_slice(&h[2..10]);
            (u64::from_be_bytes(b), &h[10..])
        }
        n => (u64::from(n), &h[2..]),
    };
    let mask = (h[1] & 0x80 != 0).then(|| [rest[0], rest[1], rest[2], rest[3]]);
    (fin, opcode, mask, len)
}

impl WebSocketAnalyzer {
    /// Consumes stream bytes of one direction.
    fn stream(&mut self, cx: &mut Context<'_>, is_orig: bool, mut data: &[u8]) {
        let side = &mut self.sides[usize::from(is_orig)];
        while !data.is_empty() || side.frame.as_ref().is_some_and(|f| f.remaining == 0) {
            let Some(frame) = side.frame.as_mut() else {
                data = Self::read_header(side, data);
                continue;
            };
            let take = usize::try_from(frame.remaining)
                .unwrap_or(usize::MAX)
                .min(data.len());
            let (chunk, rest) = data.split_at(take);
            data = rest;
            if matches!(frame.message_opcode, OPCODE_TEXT | OPCODE_BINARY) && !chunk.is_empty() {
                cx.forward(is_orig, unmask(chunk, frame.mask, frame.offset));
            }
            frame.offset += take as u64;
            frame.remaining -= take as u64;
            if frame.remaining == 0 {
                let (fin, control) = (frame.fin, frame.control);
                side.frame = None;
                if fin {
                    if !control {
                        side.message_opcode = None;
                    }
                    cx.confirm();
                }
            }
        }
    }

    /// Adds header bytes; once the header is whole, starts its frame.
    /// Returns the bytes left over.
    fn read_header<'d>(side: &mut Side, data: &'d [u8]) -> &'d [u8] {
        let mut data = data;
        // The first two bytes tell the header's length.
        let mut want = header_len(&side.header).unwrap_or(2);
        while side.header.len() < want && !data.is_empty() {
            let take = (want - side.header.len()).min(data.len());
            side.header.extend_from_slice(&data[..take]);
            data = &data[take..];
            want = header_len(&side.header).unwrap_or(2);
        }
        if let Some(n) = header_len(&side.header).filter(|n| side.header.len() == *n) {
            let (fin, opcode, mask, len) = parse_header(&side.header[..n]);
            side.header.clear();
            let control = opcode & 0x08 != 0;
            let message_opcode = if control {
                opcode
            } else if opcode == OPCODE_CONTINUATION {
                side.message_opcode.unwrap_or(OPCODE_CONTINUATION)
            } else {
                side.message_opcode = Some(opcode);
                opcode
            };
            side.frame = Some(Frame {
                fin: fin || control,
                control,
                message_opcode,
                mask,
                remaining: len,
                offset: 0,
            });
        }
        data
    }
}

/// XORs `chunk` with the masking key, starting at payload offset `offset`.
fn unmask(chunk: &[u8], mask: Option<[u8; 4]>, offset: u64) -> Vec<u8> {
    match mask {
        None => chunk.to_vec(),
        Some(key) => chunk
            .iter()
            .enumerate()
            .map(|(i, b)| b ^ key[((offset + i as u64) % 4) as usize])
            .collect(),
    }
}

impl Analyzer for WebSocketAnalyzer {
    fn deliver(&mut self, cx: &mut Context<'_>, is_orig: bool, data: &[u8]) {
        if !self.had_gap {
            self.stream(cx, is_orig, data);
        }
    }

    fn gap(&mut self, _cx: &mut Context<'_>, _is_orig: bool, _len: u64) {
        self.had_gap = true;
    }

    fn finish(&mut self, _cx: &mut Context<'_>) {}
}

#[cfg(test)]
mod tests;
