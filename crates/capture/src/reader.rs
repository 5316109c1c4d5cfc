//! Streaming pcap / pcapng reader.

use crate::{CaptureError, RawPacket};
use std::io::{Cursor, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

const BUF_SIZE: usize = 4 << 20;
/// A mapped file's pages already read are given back in steps this large.
const RELEASE_EVERY: usize = 8 << 20;
/// With the map shared, pages are given back only this far behind the
/// reader: well beyond what workers' queues hold.
const SHARED_RELEASE_LAG: usize = 64 << 20;
/// The page size offsets handed to madvise are aligned to.
const PAGE: usize = 4096;
/// Largest record we accept; anything bigger means the file is damaged.
const MAX_RECORD: usize = 64 << 20;

const PCAPNG_SHB: u32 = 0x0A0D_0D0A;
const PCAPNG_IDB: u32 = 1;
const PCAPNG_OPB: u32 = 2;
const PCAPNG_SPB: u32 = 3;
const PCAPNG_EPB: u32 = 6;
const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;

#[derive(Debug, Clone, Copy)]
struct Interface {
    linktype: u32,
    snaplen: u32,
    /// Timestamp units per second.
    units: u64,
    offset_secs: i64,
}

#[derive(Debug)]
enum Format {
    Pcap {
        big_endian: bool,
        nanos: bool,
        linktype: u32,
    },
    Pcapng {
        big_endian: bool,
        interfaces: Vec<Interface>,
    },
}

/// Counts bytes read from the underlying file (before decompression).
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Where the capture's bytes are: a buffer refilled from a stream, or a
/// whole uncompressed file mapped in place (no read calls, no copies; and
/// several workers can walk one file at page-cache speed).
enum Storage {
    Buffer(Vec<u8>),
    Mapped(Arc<memmap2::Mmap>),
}

/// A mapped capture file shared with threads that read its packets while
/// the reader moves on (workers given packets by position, not by copy).
#[derive(Clone)]
pub struct SharedCapture(Arc<memmap2::Mmap>);

impl std::ops::Deref for SharedCapture {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for SharedCapture {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl SharedCapture {
    /// Where `data` (a packet handed out by the reader) lies in the file.
    pub fn range_of(&self, data: &[u8]) -> Option<std::ops::Range<usize>> {
        let start = (data.as_ptr() as usize).checked_sub(self.0.as_ptr() as usize)?;
        let end = start.checked_add(data.len())?;
        (end <= self.0.len()).then_some(start..end)
    }
}

impl std::ops::Deref for Storage {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Storage::Buffer(b) => b,
            Storage::Mapped(m) => m,
        }
    }
}

/// A capture file being read, packet by packet.
pub struct PacketSource {
    name: String,
    input: Box<dyn Read + Send>,
    consumed: Arc<AtomicU64>,
    file_size: Option<u64>,
    buf: Storage,
    start: usize,
    end: usize,
    eof: bool,
    /// Stream offset of `buf[start]`.
    offset: u64,
    format: Format,
    last_ts: i64,
    warnings: Vec<String>,
    /// The file is gzip-compressed.
    compressed: bool,
    /// A mapped file's pages below this offset were given back.
    released: usize,
    /// How far behind the reader mapped pages are kept (threads sharing
    /// the map still read them).
    release_lag: usize,
}

fn u16_at(b: &[u8], at: usize, be: bool) -> u16 {
    let x = [b[at], b[at + 1]];
    if be {
        u16::from_be_bytes(x)
    } else {
        u16::from_le_bytes(x)
    }
}

fn u32_at(b: &[u8], at: usize, be: bool) -> u32 {
    let x = [b[at], b[at + 1], b[at + 2], b[at + 3]];
    if be {
        u32::from_be_bytes(x)
    } else {
        u32::from_le_bytes(x)
    }
}

/// Convert a timestamp in `units` per second to nanoseconds.
fn to_nanos(ticks: u64, units: u64, offset_secs: i64) -> i64 {
    let nanos = if units == 1_000_000_000 {
        ticks as u128
    } else {
        let units = units.max(1) as u128;
        (ticks as u128 / units) * 1_000_000_000 + (ticks as u128 % units) * 1_000_000_000 / units
    };
    (nanos.min(i64::MAX as u128) as i64).saturating_add(offset_secs.saturating_mul(1_000_000_000))
}

impl PacketSource {
    /// Open a capture file; `-` reads standard input.
    pub fn open(path: &Path) -> Result<Self, CaptureError> {
        let name = path.display().to_string();
        if name == "-" {
            return Self::from_reader(Box::new(std::io::stdin()), None, "standard input");
        }
        let file = std::fs::File::open(path).map_err(|e| CaptureError::Io(name.clone(), e))?;
        let meta = file.metadata().ok();
        let size = meta.as_ref().map(|m| m.len());
        if meta.is_some_and(|m| m.is_file() && m.len() > 0) {
            // SAFETY: the map is read-only and only ever read through
            // `Storage`'s slice. Its one hazard is another process
            // truncating the file while we read it (the kernel then
            // faults the access); capture files being analysed are not
            // cut short under the analyser, and appends are harmless.
            if let Ok(map) = unsafe { memmap2::Mmap::map(&file) } {
                let _ = map.advise(memmap2::Advice::Sequential);
                return Self::from_storage(
                    Storage::Mapped(Arc::new(map)),
                    Box::new(std::io::empty()),
                    size,
                    &name,
                );
            }
        }
        Self::from_reader(Box::new(file), size, &name)
    }

    /// Read a capture from any byte stream.
    pub fn from_reader(
        input: Box<dyn Read + Send>,
        file_size: Option<u64>,
        name: &str,
    ) -> Result<Self, CaptureError> {
        // Small captures need no 4 MiB buffer.
        let buf = vec![0; file_size.map_or(BUF_SIZE, |n| (n as usize).clamp(64 << 10, BUF_SIZE))];
        Self::from_storage(Storage::Buffer(buf), input, file_size, name)
    }

    /// A capture in `buf` (empty, to be filled from `input`, or mapped).
    fn from_storage(
        buf: Storage,
        input: Box<dyn Read + Send>,
        file_size: Option<u64>,
        name: &str,
    ) -> Result<Self, CaptureError> {
        let consumed = Arc::new(AtomicU64::new(0));
        let counting: Box<dyn Read + Send> = Box::new(Counting {
            inner: input,
            count: consumed.clone(),
        });
        let end = match &buf {
            Storage::Mapped(m) => m.len(),
            Storage::Buffer(_) => 0,
        };
        let mut src = PacketSource {
            name: name.to_string(),
            input: counting,
            consumed,
            file_size,
            buf,
            start: 0,
            end,
            eof: false,
            offset: 0,
            format: Format::Pcap {
                big_endian: false,
                nanos: false,
                linktype: 0,
            },
            last_ts: 0,
            warnings: Vec::new(),
            compressed: false,
            released: 0,
            release_lag: 0,
        };
        if !src.fill(4)? {
            return Err(src.not_a_capture("it is too short"));
        }
        if src.avail()[..2] == [0x1f, 0x8b] {
            src.ungzip();
            if !src.fill(4)? {
                return Err(src.not_a_capture("it is a gzip file too short to hold a capture"));
            }
        }
        src.read_file_header()?;
        Ok(src)
    }

    fn not_a_capture(&self, why: &str) -> CaptureError {
        CaptureError::NotACapture(format!(
            "{} is not a pcap or pcapng capture ({why})",
            self.name
        ))
    }

    fn corrupt(&self, reason: String) -> CaptureError {
        CaptureError::Corrupt {
            name: self.name.clone(),
            offset: self.offset,
            reason,
        }
    }

    /// Replace the input by a gzip decoder over the bytes seen so far and
    /// the rest of the stream.
    fn ungzip(&mut self) {
        let rest = std::mem::replace(&mut self.input, Box::new(std::io::empty()));
        let joined: Box<dyn Read + Send> =
            match std::mem::replace(&mut self.buf, Storage::Buffer(vec![0; BUF_SIZE])) {
                // A mapped file is decompressed in place, counted as it goes.
                Storage::Mapped(map) => Box::new(Counting {
                    inner: Cursor::new(SharedCapture(map)),
                    count: self.consumed.clone(),
                }),
                Storage::Buffer(buf) => {
                    let seen = buf[self.start..self.end].to_vec();
                    self.buf = Storage::Buffer(buf);
                    Box::new(Cursor::new(seen).chain(rest))
                }
            };
        self.input = Box::new(flate2::read::MultiGzDecoder::new(joined));
        self.compressed = true;
        self.start = 0;
        self.end = 0;
        self.eof = false;
    }

    fn avail(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Make sure `n` bytes are buffered; false at end of input before that.
    #[inline]
    fn fill(&mut self, n: usize) -> Result<bool, CaptureError> {
        if self.end - self.start >= n {
            return Ok(true);
        }
        self.refill(n)
    }

    #[cold]
    fn refill(&mut self, n: usize) -> Result<bool, CaptureError> {
        while self.end - self.start < n {
            if self.eof {
                return Ok(false);
            }
            let Storage::Buffer(buf) = &mut self.buf else {
                // A mapped file holds all there is.
                self.eof = true;
                continue;
            };
            if self.start > 0 {
                buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if buf.len() < n {
                buf.resize(n.next_power_of_two(), 0);
            }
            let end = self.end;
            match self.input.read(&mut buf[end..]) {
                Ok(0) => self.eof = true,
                Ok(k) => self.end += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(CaptureError::Io(self.name.clone(), e)),
            }
        }
        Ok(true)
    }

    #[inline]
    fn consume(&mut self, n: usize) {
        self.start += n;
        self.offset += n as u64;
        if self.start.saturating_sub(self.released) >= RELEASE_EVERY + self.release_lag {
            self.release();
        }
    }

    /// Gives back the mapped pages behind the reader (a buffer keeps
    /// nothing behind it).
    #[cold]
    fn release(&mut self) {
        if let Storage::Mapped(map) = &self.buf {
            // `consume` calls this only once `start` is past the lag.
            let upto = (self.start - self.release_lag) & !(PAGE - 1);
            // SAFETY: for a read-only file mapping MADV_DONTNEED only
            // drops our page mappings: any later access, by the reader or
            // by a thread sharing the map (which lags by less than
            // `release_lag`, but may not), faults the file's same bytes
            // back in, never zeros. It keeps resident memory to a window
            // instead of the file's size.
            let _ = unsafe {
                map.unchecked_advise_range(
                    memmap2::UncheckedAdvice::DontNeed,
                    self.released,
                    upto - self.released,
                )
            };
            self.released = upto;
        }
    }

    fn read_file_header(&mut self) -> Result<(), CaptureError> {
        let magic = u32::from_le_bytes([
            self.buf[self.start],
            self.buf[self.start + 1],
            self.buf[self.start + 2],
            self.buf[self.start + 3],
        ]);
        let pcap = match magic {
            0xa1b2_c3d4 => Some((false, false)),
            0xd4c3_b2a1 => Some((true, false)),
            0xa1b2_3c4d => Some((false, true)),
            0x4d3c_b2a1 => Some((true, true)),
            0xa1b2_cd34 => Some((false, false)),
            0x34cd_b2a1 => Some((true, false)),
            _ => None,
        };
        if let Some((big_endian, nanos)) = pcap {
            if !self.fill(24)? {
                return Err(self.not_a_capture("truncated pcap file header"));
            }
            let linktype = u32_at(self.avail(), 20, big_endian) & 0x0fff_ffff;
            let modified = matches!(magic, 0xa1b2_cd34 | 0x34cd_b2a1);
            self.format = Format::Pcap {
                big_endian,
                nanos,
                linktype,
            };
            self.consume(24);
            if modified {
                self.warnings
                    .push("modified (Kuznetzov) pcap: extra record fields skipped".into());
                self.format = Format::Pcap {
                    big_endian,
                    nanos,
                    linktype: linktype | 0x8000_0000,
                };
            }
            return Ok(());
        }
        if magic == PCAPNG_SHB {
            self.format = Format::Pcapng {
                big_endian: false,
                interfaces: Vec::new(),
            };
            return Ok(());
        }
        Err(self.not_a_capture(&format!("magic 0x{magic:08x}")))
    }

    /// The mapped file, for threads that read packets by position while
    /// this reader moves on; `None` when the capture is read as a stream.
    pub fn share(&mut self) -> Option<SharedCapture> {
        match &self.buf {
            Storage::Mapped(map) if !self.compressed => {
                self.release_lag = SHARED_RELEASE_LAG;
                Some(SharedCapture(map.clone()))
            }
            _ => None,
        }
    }

    /// The next packet, or `None` at the end of the capture.
    pub fn next_packet(&mut self) -> Result<Option<RawPacket<'_>>, CaptureError> {
        match self.format {
            Format::Pcap {
                big_endian,
                nanos,
                linktype,
            } => self.next_pcap(big_endian, nanos, linktype),
            Format::Pcapng { .. } => self.next_pcapng(),
        }
    }

    fn truncated(
        &mut self,
        what: &str,
        need: usize,
    ) -> Result<Option<RawPacket<'_>>, CaptureError> {
        let have = self.end - self.start;
        if have > 0 {
            self.warnings.push(format!(
                "{}: truncated last {what} at byte {} (needed {need} bytes, had {have}); ignored",
                self.name, self.offset
            ));
        }
        self.start = self.end;
        Ok(None)
    }

    fn next_pcap(
        &mut self,
        be: bool,
        nanos: bool,
        linktype: u32,
    ) -> Result<Option<RawPacket<'_>>, CaptureError> {
        let modified = linktype & 0x8000_0000 != 0;
        let linktype = linktype & 0x0fff_ffff;
        let hdr_len = if modified { 24 } else { 16 };
        if !self.fill(hdr_len)? {
            return self.truncated("record header", hdr_len);
        }
        let Some(h) = self.avail().first_chunk::<16>() else {
            return self.truncated("record header", hdr_len);
        };
        let word = |at: usize| {
            let x = [h[at], h[at + 1], h[at + 2], h[at + 3]];
            if be {
                u32::from_be_bytes(x)
            } else {
                u32::from_le_bytes(x)
            }
        };
        let secs = word(0) as u64;
        let frac = word(4) as u64;
        let incl = word(8) as usize;
        let orig = word(12);
        if incl > MAX_RECORD {
            return Err(self.corrupt(format!("record length {incl} is impossible")));
        }
        if !self.fill(hdr_len + incl)? {
            return self.truncated("record", hdr_len + incl);
        }
        let ts = (secs * 1_000_000_000 + if nanos { frac } else { frac * 1000 }) as i64;
        let at = self.start + hdr_len;
        self.consume(hdr_len + incl);
        self.last_ts = ts;
        Ok(Some(RawPacket {
            ts,
            linktype,
            data: &self.buf[at..at + incl],
            wire_len: orig,
            interface: 0,
        }))
    }

    fn next_pcapng(&mut self) -> Result<Option<RawPacket<'_>>, CaptureError> {
        loop {
            if !self.fill(12)? {
                return self.truncated("block header", 12);
            }
            let be = match &self.format {
                Format::Pcapng { big_endian, .. } => *big_endian,
                _ => false,
            };
            let raw_type = u32::from_le_bytes(self.avail()[..4].try_into().unwrap_or([0; 4]));
            let be = if raw_type == PCAPNG_SHB {
                self.section_order()?
            } else {
                be
            };
            let btype = u32_at(self.avail(), 0, be);
            let len = u32_at(self.avail(), 4, be) as usize;
            if !(12..=MAX_RECORD).contains(&len) {
                return Err(self.corrupt(format!("pcapng block length {len} is impossible")));
            }
            // Some writers do not pad blocks to 4 bytes; accept what the
            // trailing length confirms.
            if !self.fill(len)? {
                return self.truncated("block", len);
            }
            let trailer = u32_at(self.avail(), len - 4, be) as usize;
            if trailer != len {
                return Err(self.corrupt(format!(
                    "pcapng block length {len} disagrees with its trailer {trailer}"
                )));
            }
            let body = self.start + 8..self.start + len - 4;
            match btype {
                PCAPNG_SHB => {
                    self.format = Format::Pcapng {
                        big_endian: be,
                        interfaces: Vec::new(),
                    };
                }
                PCAPNG_IDB => {
                    let iface = parse_idb(&self.buf[body.clone()], be);
                    if let Format::Pcapng { interfaces, .. } = &mut self.format {
                        if let Some(i) = iface {
                            interfaces.push(i);
                        }
                    }
                }
                PCAPNG_EPB | PCAPNG_OPB | PCAPNG_SPB => {
                    if let Some((ts, linktype, data, wire_len, interface)) =
                        self.packet_block(btype, body.clone(), be)
                    {
                        self.consume(len);
                        self.last_ts = ts;
                        return Ok(Some(RawPacket {
                            ts,
                            linktype,
                            data: &self.buf[data],
                            wire_len,
                            interface,
                        }));
                    }
                }
                _ => {}
            }
            self.consume(len);
        }
    }

    /// Byte order of a section header block at the buffer start.
    fn section_order(&mut self) -> Result<bool, CaptureError> {
        let m = &self.avail()[8..12];
        if u32::from_le_bytes([m[0], m[1], m[2], m[3]]) == BYTE_ORDER_MAGIC {
            Ok(false)
        } else if u32::from_be_bytes([m[0], m[1], m[2], m[3]]) == BYTE_ORDER_MAGIC {
            Ok(true)
        } else {
            Err(self.corrupt("pcapng section header has no byte-order magic".into()))
        }
    }

    /// Decode a packet block whose body is `body` (absolute buffer range).
    /// Returns (ts, linktype, data range, wire length, interface).
    fn packet_block(
        &mut self,
        btype: u32,
        body: std::ops::Range<usize>,
        be: bool,
    ) -> Option<(i64, u32, std::ops::Range<usize>, u32, u32)> {
        let b = &self.buf[body.clone()];
        let interfaces = match &self.format {
            Format::Pcapng { interfaces, .. } => interfaces,
            _ => return None,
        };
        let (iface_id, ticks, cap, orig, data_at) = match btype {
            PCAPNG_EPB if b.len() >= 20 => {
                let ticks = (u32_at(b, 4, be) as u64) << 32 | u32_at(b, 8, be) as u64;
                (
                    u32_at(b, 0, be),
                    Some(ticks),
                    u32_at(b, 12, be) as usize,
                    u32_at(b, 16, be),
                    20,
                )
            }
            PCAPNG_OPB if b.len() >= 20 => {
                let ticks = (u32_at(b, 4, be) as u64) << 32 | u32_at(b, 8, be) as u64;
                (
                    u16_at(b, 0, be) as u32,
                    Some(ticks),
                    u32_at(b, 12, be) as usize,
                    u32_at(b, 16, be),
                    20,
                )
            }
            PCAPNG_SPB if b.len() >= 4 => {
                let orig = u32_at(b, 0, be);
                let snap = interfaces
                    .first()
                    .map(|i| i.snaplen)
                    .filter(|&s| s > 0)
                    .unwrap_or(u32::MAX);
                let cap = (orig.min(snap) as usize).min(b.len() - 4);
                (0, None, cap, orig, 4)
            }
            _ => return None,
        };
        let Some(iface) = interfaces.get(iface_id as usize).copied() else {
            self.warnings.push(format!(
                "{}: packet for undeclared interface {iface_id} skipped",
                self.name
            ));
            return None;
        };
        if data_at + cap > b.len() {
            self.warnings.push(format!(
                "{}: packet block shorter than its captured length; skipped",
                self.name
            ));
            return None;
        }
        let ts = match ticks {
            Some(t) => to_nanos(t, iface.units, iface.offset_secs),
            None => self.last_ts,
        };
        let start = body.start + data_at;
        Some((ts, iface.linktype, start..start + cap, orig, iface_id))
    }

    /// The capture is gzip-compressed (reading it costs decompression).
    pub fn is_compressed(&self) -> bool {
        self.compressed
    }

    /// Bytes read from the file so far (compressed bytes for gzip input).
    pub fn bytes_consumed(&self) -> u64 {
        match (&self.buf, self.compressed) {
            (Storage::Mapped(_), false) => self.offset,
            _ => self.consumed.load(Ordering::Relaxed),
        }
    }

    /// Size of the file, when known.
    pub fn file_size(&self) -> Option<u64> {
        self.file_size
    }

    /// Problems that did not stop reading (e.g. a truncated last record).
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }
}

fn parse_idb(b: &[u8], be: bool) -> Option<Interface> {
    if b.len() < 8 {
        return None;
    }
    let mut iface = Interface {
        linktype: u16_at(b, 0, be) as u32,
        snaplen: u32_at(b, 4, be),
        units: 1_000_000,
        offset_secs: 0,
    };
    let mut at = 8;
    while at + 4 <= b.len() {
        let code = u16_at(b, at, be);
        let len = u16_at(b, at + 2, be) as usize;
        let val = at + 4..at + 4 + len;
        if code == 0 || val.end > b.len() {
            break;
        }
        match code {
            9 if len >= 1 => {
                let r = b[val.start];
                iface.units = if r & 0x80 == 0 {
                    10u64.checked_pow(r as u32).unwrap_or(1_000_000)
                } else {
                    1u64.checked_shl((r & 0x7f) as u32).unwrap_or(1_000_000)
                };
            }
            14 if len >= 8 => {
                let v = &b[val.clone()];
                let bytes = [v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]];
                iface.offset_secs = if be {
                    i64::from_be_bytes(bytes)
                } else {
                    i64::from_le_bytes(bytes)
                };
            }
            _ => {}
        }
        at = val.end + (4 - len % 4) % 4;
    }
    Some(iface)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pcap_bytes(be: bool, nanos: bool, pkts: &[(u32, u32, &[u8])]) -> Vec<u8> {
        let w32 = |v: u32| if be { v.to_be_bytes() } else { v.to_le_bytes() };
        let mut out = Vec::new();
        out.extend_from_slice(&w32(if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 }));
        out.extend_from_slice(&[0, 2, 0, 4]);
        out.extend_from_slice(&[0; 8]);
        out.extend_from_slice(&w32(65535));
        out.extend_from_slice(&w32(1));
        for (s, f, data) in pkts {
            out.extend_from_slice(&w32(*s));
            out.extend_from_slice(&w32(*f));
            out.extend_from_slice(&w32(data.len() as u32));
            out.extend_from_slice(&w32(data.len() as u32));
            out.extend_from_slice(data);
        }
        out
    }

    /// (time, wire length, bytes) of each packet read.
    type Packets = Vec<(i64, u32, Vec<u8>)>;

    fn read_all(bytes: Vec<u8>) -> (Packets, Vec<String>) {
        let mut src =
            PacketSource::from_reader(Box::new(Cursor::new(bytes)), None, "test").unwrap();
        let mut out = Vec::new();
        while let Some(p) = src.next_packet().unwrap() {
            out.push((p.ts, p.linktype, p.data.to_vec()));
        }
        (out, src.take_warnings())
    }

    #[test]
    fn classic_pcap_all_variants() {
        for be in [false, true] {
            for nanos in [false, true] {
                let (pkts, warns) =
                    read_all(pcap_bytes(be, nanos, &[(10, 5, b"abc"), (11, 7, b"")]));
                assert!(warns.is_empty());
                let unit = if nanos { 1 } else { 1000 };
                assert_eq!(
                    pkts,
                    vec![
                        (10_000_000_000 + 5 * unit, 1, b"abc".to_vec()),
                        (11_000_000_000 + 7 * unit, 1, vec![])
                    ]
                );
            }
        }
    }

    #[test]
    fn truncated_last_record_is_a_warning() {
        let mut bytes = pcap_bytes(false, false, &[(1, 0, b"abcd"), (2, 0, b"efgh")]);
        bytes.truncate(bytes.len() - 2);
        let (pkts, warns) = read_all(bytes);
        assert_eq!(pkts.len(), 1);
        assert_eq!(warns.len(), 1);
        assert!(warns[0].contains("truncated"), "{warns:?}");
    }

    #[test]
    fn not_a_capture_is_a_clear_error() {
        for bytes in [
            b"hello world, this is text".to_vec(),
            vec![],
            vec![0x1f, 0x8b],
        ] {
            match PacketSource::from_reader(Box::new(Cursor::new(bytes)), None, "notes.txt") {
                Err(CaptureError::NotACapture(m)) => assert!(m.contains("notes.txt"), "{m}"),
                Err(e) => panic!("unexpected {e}"),
                Ok(_) => panic!("accepted garbage"),
            }
        }
    }

    #[test]
    fn absurd_record_length_is_corrupt() {
        let mut bytes = pcap_bytes(false, false, &[]);
        bytes.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0]);
        let mut src = PacketSource::from_reader(Box::new(Cursor::new(bytes)), None, "x").unwrap();
        assert!(matches!(
            src.next_packet(),
            Err(CaptureError::Corrupt { .. })
        ));
    }

    fn block(t: u32, body: &[u8]) -> Vec<u8> {
        let mut b = body.to_vec();
        while !b.len().is_multiple_of(4) {
            b.push(0);
        }
        let len = (b.len() + 12) as u32;
        let mut out = t.to_le_bytes().to_vec();
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&b);
        out.extend_from_slice(&len.to_le_bytes());
        out
    }

    #[test]
    fn pcapng_interfaces_and_block_kinds() {
        let mut f = block(
            PCAPNG_SHB,
            &[
                0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            ],
        );
        // Interface 0: Ethernet, µs. Interface 1: raw IP, ns (if_tsresol 9).
        f.extend(block(PCAPNG_IDB, &[1, 0, 0, 0, 0, 0, 1, 0]));
        f.extend(block(
            PCAPNG_IDB,
            &[101, 0, 0, 0, 0, 0, 1, 0, 9, 0, 1, 0, 9, 0, 0, 0, 0, 0, 0, 0],
        ));
        let epb = |iface: u32, ticks: u64, data: &[u8]| {
            let mut b = iface.to_le_bytes().to_vec();
            b.extend_from_slice(&((ticks >> 32) as u32).to_le_bytes());
            b.extend_from_slice(&(ticks as u32).to_le_bytes());
            b.extend_from_slice(&(data.len() as u32).to_le_bytes());
            b.extend_from_slice(&(data.len() as u32).to_le_bytes());
            b.extend_from_slice(data);
            b
        };
        f.extend(block(PCAPNG_EPB, &epb(0, 1_500_000, b"eth")));
        f.extend(block(PCAPNG_EPB, &epb(1, 2_000_000_123, b"ipv4")));
        f.extend(block(
            PCAPNG_SPB,
            &[5, 0, 0, 0, b'h', b'e', b'l', b'l', b'o'],
        ));
        f.extend(block(5, &[1, 2, 3, 4])); // interface statistics: skipped
        let mut opb = vec![0, 0, 0, 0];
        opb.extend_from_slice(&epb(0, 3_000_000, b"old")[4..]);
        f.extend(block(PCAPNG_OPB, &opb));
        let (pkts, warns) = read_all(f);
        assert!(warns.is_empty(), "{warns:?}");
        assert_eq!(
            pkts,
            vec![
                (1_500_000_000, 1, b"eth".to_vec()),
                (2_000_000_123, 101, b"ipv4".to_vec()),
                (2_000_000_123, 1, b"hello".to_vec()),
                (3_000_000_000, 1, b"old".to_vec()),
            ]
        );
    }

    #[test]
    fn gzip_is_transparent() {
        use std::io::Write;
        let raw = pcap_bytes(false, false, &[(1, 2, b"zz")]);
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&raw).unwrap();
        let (pkts, _) = read_all(enc.finish().unwrap());
        assert_eq!(pkts, vec![(1_000_002_000, 1, b"zz".to_vec())]);
    }

    #[test]
    fn gzip_files_decompress_from_the_map() {
        use std::io::Write;
        let raw = pcap_bytes(false, false, &[(1, 2, b"zz"), (3, 4, b"yy")]);
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&raw).unwrap();
        let gz = enc.finish().unwrap();
        let path = std::env::temp_dir().join(format!("shrike-gz-{}.pcap.gz", std::process::id()));
        std::fs::write(&path, &gz).unwrap();
        let mut src = PacketSource::open(&path).unwrap();
        assert!(src.is_compressed());
        let mut data = Vec::new();
        while let Some(p) = src.next_packet().unwrap() {
            data.push(p.data.to_vec());
        }
        assert_eq!(data, vec![b"zz".to_vec(), b"yy".to_vec()]);
        assert_eq!(src.bytes_consumed(), gz.len() as u64);
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn files_are_opened_by_path() {
        let mut bytes = pcap_bytes(true, true, &[(1, 2, b"abc"), (3, 4, b"defg")]);
        bytes.truncate(bytes.len() - 1);
        let path = std::env::temp_dir().join(format!("shrike-open-{}.pcap", std::process::id()));
        std::fs::write(&path, &bytes).unwrap();
        let mut src = PacketSource::open(&path).unwrap();
        let p = src.next_packet().unwrap().unwrap();
        assert_eq!((p.ts, p.data), (1_000_000_002, &b"abc"[..]));
        assert!(src.next_packet().unwrap().is_none());
        assert_eq!(src.take_warnings().len(), 1, "truncated last record");
        assert!(!src.is_compressed());
        assert_eq!(src.bytes_consumed(), 24 + 16 + 3, "up to the cut record");
        std::fs::write(&path, b"not a capture").unwrap();
        assert!(matches!(
            PacketSource::open(&path),
            Err(CaptureError::NotACapture(_))
        ));
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn shared_files_locate_packets_and_streams_do_not_share() {
        let bytes = pcap_bytes(false, false, &[(1, 0, b"abc"), (2, 0, b"defg")]);
        let path = std::env::temp_dir().join(format!("shrike-share-{}.pcap", std::process::id()));
        std::fs::write(&path, &bytes).unwrap();
        let mut src = PacketSource::open(&path).unwrap();
        let shared = src.share().expect("a mapped file is shared");
        let _ = src.next_packet().unwrap().unwrap();
        let p = src.next_packet().unwrap().unwrap();
        let range = shared.range_of(p.data).unwrap();
        assert_eq!(range, 24 + 16 + 3 + 16..bytes.len());
        assert_eq!(&shared[range], b"defg");
        assert_eq!(shared.range_of(b"elsewhere"), None);
        let _ = std::fs::remove_file(&path);
        let mut stream =
            PacketSource::from_reader(Box::new(Cursor::new(bytes)), None, "s").unwrap();
        assert!(stream.share().is_none());
    }

    #[test]
    fn records_larger_than_the_buffer_are_read() {
        let big = vec![7u8; BUF_SIZE + 10];
        let (pkts, _) = read_all(pcap_bytes(false, false, &[(1, 0, &big), (2, 0, b"x")]));
        assert_eq!(pkts.len(), 2);
        assert_eq!(pkts[0].2.len(), BUF_SIZE + 10);
    }
}
