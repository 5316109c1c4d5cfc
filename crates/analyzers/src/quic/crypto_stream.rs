//! One direction's CRYPTO stream, reassembled from frames that may come
//! fragmented, out of order, retransmitted and spread over several Initial
//! packets, until its first TLS handshake message (the ClientHello or the
//! ServerHello) is complete. Like Zeek, only that first message is kept.

use super::packet::Malformed;

/// TLS handshake header: type (1 byte) and a 24-bit length.
const HEADER: usize = 4;
/// Largest handshake message Zeek accepts (a TLS record's limit, RFC 8446
/// §5.1), header included. Bounds this buffer.
const MAX_MESSAGE: usize = (1 << 14) + 256;
/// Disjoint pieces tracked at most while holes remain.
const MAX_PIECES: usize = 256;

#[derive(Debug, Default)]
pub struct CryptoStream {
    buf: Vec<u8>,
    /// Received byte ranges of `buf`, sorted and disjoint.
    pieces: Vec<(usize, usize)>,
}

impl CryptoStream {
    /// Adds CRYPTO frame data at stream offset `offset`.
    pub fn write(&mut self, offset: u64, data: &[u8]) -> Result<(), Malformed> {
        let start = usize::try_from(offset).map_err(|_| "CRYPTO offset overflow")?;
        let end = start
            .checked_add(data.len())
            .ok_or("CRYPTO offset overflow")?;
        let limit = self.message_len().unwrap_or(MAX_MESSAGE);
        if end > limit {
            return Err("too much crypto data received");
        }
        if data.is_empty() {
            return Ok(());
        }
        if self.buf.len() < end {
            self.buf.resize(end, 0);
        }
        self.buf[start..end].copy_from_slice(data);
        self.add_piece(start, end)?;
        match self.message_len() {
            Some(n) if n > MAX_MESSAGE => Err("TLS handshake message too long"),
            Some(n) if self.buf.len() > n => Err("too much crypto data received"),
            _ => Ok(()),
        }
    }

    fn add_piece(&mut self, start: usize, end: usize) -> Result<(), Malformed> {
        let i = self.pieces.partition_point(|&(_, e)| e < start);
        let mut j = i;
        let (mut s, mut e) = (start, end);
        while let Some(&(ps, pe)) = self.pieces.get(j).filter(|&&(ps, _)| ps <= end) {
            s = s.min(ps);
            e = e.max(pe);
            j += 1;
        }
        self.pieces.splice(i..j, [(s, e)]);
        if self.pieces.len() > MAX_PIECES {
            return Err("too many CRYPTO fragments");
        }
        Ok(())
    }

    /// Bytes received without a hole from offset 0.
    fn contiguous(&self) -> usize {
        match self.pieces.first() {
            Some(&(0, end)) => end,
            _ => 0,
        }
    }

    /// The first message's length, header included, once its header is in.
    fn message_len(&self) -> Option<usize> {
        if self.contiguous() < HEADER {
            return None;
        }
        let n = self.buf[1..HEADER]
            .iter()
            .fold(0usize, |n, &b| n << 8 | usize::from(b));
        Some(HEADER + n)
    }

    /// The first handshake message once it is complete.
    pub fn message(&self) -> Option<&[u8]> {
        let n = self.message_len()?;
        (self.contiguous() >= n).then(|| &self.buf[..n])
    }

    pub fn is_complete(&self) -> bool {
        self.message().is_some()
    }
}

/// Whether `msg` is a TLS handshake message of type `kind` (1 ClientHello,
/// 2 ServerHello) with a body that starts like a hello: a legacy_version
/// Zeek's SSL analyzer supports (SSL 3.0 to TLS 1.3) and a 32-byte random.
pub fn is_hello(msg: &[u8], kind: u8) -> bool {
    msg.len() >= HEADER + 2 + 32 && msg[0] == kind && msg[HEADER] == 3 && msg[HEADER + 1] <= 4
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hello(kind: u8, body_len: usize) -> Vec<u8> {
        let mut m = vec![kind, 0, (body_len >> 8) as u8, body_len as u8, 3, 3];
        m.extend((0..body_len - 2).map(|i| i as u8));
        m
    }

    #[test]
    fn out_of_order_fragments_complete_the_message() {
        let msg = hello(1, 300);
        let mut s = CryptoStream::default();
        s.write(200, &msg[200..]).unwrap();
        s.write(0, &msg[..2]).unwrap();
        assert!(!s.is_complete());
        s.write(100, &msg[100..250]).unwrap(); // overlaps the first piece
        s.write(2, &msg[2..100]).unwrap();
        assert_eq!(s.message(), Some(&msg[..]));
        assert!(is_hello(s.message().unwrap(), 1));
        assert!(!is_hello(s.message().unwrap(), 2));
    }

    #[test]
    fn retransmission_is_harmless() {
        let msg = hello(2, 90);
        let mut s = CryptoStream::default();
        s.write(0, &msg[..50]).unwrap();
        s.write(0, &msg[..50]).unwrap();
        s.write(50, &msg[50..]).unwrap();
        assert_eq!(s.message().map(<[u8]>::len), Some(94));
        assert_eq!(s.pieces, vec![(0, 94)]);
    }

    #[test]
    fn data_beyond_the_message_or_the_limit_is_refused() {
        let msg = hello(1, 10);
        let mut s = CryptoStream::default();
        assert_eq!(s.write(0, &msg), Ok(()));
        assert_eq!(s.write(14, b"x"), Err("too much crypto data received"));
        let mut s = CryptoStream::default();
        assert!(s.write(MAX_MESSAGE as u64, b"x").is_err());
        assert!(s.write(u64::MAX, b"x").is_err());
        let mut s = CryptoStream::default();
        assert_eq!(
            s.write(0, &[1, 0xff, 0xff, 0xff]),
            Err("TLS handshake message too long")
        );
    }

    #[test]
    fn fragment_count_is_bounded() {
        let mut s = CryptoStream::default();
        let mut result = Ok(());
        for i in 0..=MAX_PIECES as u64 {
            result = s.write(10 + 2 * i, b"x");
        }
        assert_eq!(result, Err("too many CRYPTO fragments"));
    }
}
