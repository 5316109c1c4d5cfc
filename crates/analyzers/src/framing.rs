//! Length-delimited messages out of one direction of a TCP stream, for
//! protocols whose messages announce their own size (BER, PostgreSQL,
//! Modbus/TCP, ...).

/// How long the message at the start of a buffer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// Not enough bytes to tell yet.
    NeedMore,
    /// The message (header included) is this long.
    Length(usize),
    /// The bytes cannot start a message of this protocol.
    Invalid,
}

/// What became of the bytes fed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fed {
    /// Every complete message was passed on; the rest waits.
    Ok,
    /// Framing failed or a message was refused: the stream is not (or no
    /// longer) this protocol.
    Broken,
}

/// Buffers one direction until whole messages are there. Memory is capped:
/// a message longer than `max_message` breaks the stream.
#[derive(Debug)]
pub struct MessageStream {
    buf: Vec<u8>,
    max_message: usize,
}

impl MessageStream {
    pub fn new(max_message: usize) -> Self {
        MessageStream {
            buf: Vec::new(),
            max_message,
        }
    }

    /// Add stream bytes; `on_message` gets each complete message and says
    /// whether it is acceptable.
    pub fn feed(
        &mut self,
        data: &[u8],
        frame: impl Fn(&[u8]) -> Framing,
        mut on_message: impl FnMut(&[u8]) -> bool,
    ) -> Fed {
        self.buf.extend_from_slice(data);
        let mut start = 0;
        let fed = loop {
            let rest = &self.buf[start..];
            match frame(rest) {
                Framing::NeedMore if rest.len() <= self.max_message => break Fed::Ok,
                Framing::Length(n) if n > 0 && n <= self.max_message => {
                    if rest.len() < n {
                        break Fed::Ok;
                    }
                    if !on_message(&rest[..n]) {
                        break Fed::Broken;
                    }
                    start += n;
                }
                _ => break Fed::Broken,
            }
        };
        if fed == Fed::Broken {
            self.buf = Vec::new();
        } else {
            self.buf.drain(..start);
        }
        fed
    }

    /// Bytes went missing: what is buffered cannot be completed.
    pub fn clear(&mut self) {
        self.buf = Vec::new();
    }
}

/// Framing for text protocols: a message runs up to and including the
/// next `end` byte (a newline for line protocols).
pub fn up_to(end: u8) -> impl Fn(&[u8]) -> Framing {
    move |buf| match buf.iter().position(|c| *c == end) {
        Some(i) => Framing::Length(i + 1),
        None => Framing::NeedMore,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One length byte, then the body.
    fn frame(b: &[u8]) -> Framing {
        match b.first() {
            None => Framing::NeedMore,
            Some(0) => Framing::Invalid,
            Some(&n) => Framing::Length(n as usize + 1),
        }
    }

    #[test]
    fn messages_split_anywhere_come_out_whole() {
        let mut s = MessageStream::new(100);
        let mut got = Vec::new();
        for chunk in [&b"\x02a"[..], b"b\x01", b"c\x03de", b"f"] {
            let fed = s.feed(chunk, frame, |m| {
                got.push(m.to_vec());
                true
            });
            assert_eq!(fed, Fed::Ok);
        }
        assert_eq!(
            got,
            vec![b"\x02ab".to_vec(), b"\x01c".to_vec(), b"\x03def".to_vec()]
        );
    }

    #[test]
    fn invalid_framing_or_refused_message_breaks_the_stream() {
        let mut s = MessageStream::new(100);
        assert_eq!(s.feed(b"\x00", frame, |_| true), Fed::Broken);
        assert_eq!(s.feed(b"\x01x", frame, |_| false), Fed::Broken);
    }

    #[test]
    fn text_messages_end_at_their_terminator() {
        let mut s = MessageStream::new(100);
        let mut got = Vec::new();
        s.feed(b"a\nbc", up_to(b'\n'), |m| {
            got.push(m.to_vec());
            true
        });
        assert_eq!(got, vec![b"a\n".to_vec()]);
    }

    #[test]
    fn oversized_messages_are_not_buffered() {
        let mut s = MessageStream::new(10);
        assert_eq!(s.feed(b"\x50abc", frame, |_| true), Fed::Broken);
        assert!(s.buf.is_empty());
    }
}
