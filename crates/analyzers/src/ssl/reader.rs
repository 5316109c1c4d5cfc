//! A bounds-checked big-endian cursor over a byte slice: every read is
//! `None` past the end, so hostile lengths never panic.

#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data }
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Everything not read yet (consumes it).
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.data)
    }

    pub fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.data.len() {
            return None;
        }
        let (head, tail) = self.data.split_at(n);
        self.data = tail;
        Some(head)
    }

    pub fn u8(&mut self) -> Option<u8> {
        self.bytes(1).map(|b| b[0])
    }

    pub fn u16(&mut self) -> Option<u16> {
        self.bytes(2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }

    pub fn u24(&mut self) -> Option<u32> {
        self.bytes(3)
            .map(|b| u32::from_be_bytes([0, b[0], b[1], b[2]]))
    }

    /// A field preceded by its one-byte length.
    pub fn vec8(&mut self) -> Option<&'a [u8]> {
        let n = self.u8()?;
        self.bytes(n.into())
    }

    /// A field preceded by its two-byte length.
    pub fn vec16(&mut self) -> Option<&'a [u8]> {
        let n = self.u16()?;
        self.bytes(n.into())
    }

    /// A field preceded by its three-byte length.
    pub fn vec24(&mut self) -> Option<&'a [u8]> {
        let n = self.u24()?;
        self.bytes(n as usize)
    }

    /// The rest read as big-endian 16-bit numbers (an odd last byte is
    /// ignored).
    pub fn u16_list(&mut self) -> Vec<u16> {
        self.rest()
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stop_at_the_end() {
        let mut r = Reader::new(&[1, 0, 2, 0, 0, 1, 9, 7]);
        assert_eq!(r.u8(), Some(1));
        assert_eq!(r.u16(), Some(2));
        assert_eq!(r.vec16(), Some(&[][..]));
        assert_eq!(r.vec8(), Some(&[9][..]));
        assert_eq!(r.rest(), &[7]);
        assert!(r.is_empty());
        let mut r = Reader::new(&[0, 0, 2, 5, 6, 7]);
        assert_eq!(r.vec24(), Some(&[5, 6][..]));
        assert_eq!(r.u16(), None);
        assert_eq!(r.rest(), &[7]);
    }
}
