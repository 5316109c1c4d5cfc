//! A file whose data comes at offsets, in any order (SMB reads and
//! writes): bytes are put in order before they reach the [`Transfer`], as
//! Zeek's file reassembly does, so sniffing and hashing see the file as
//! it is.

use super::Transfer;
use crate::Context;
use std::collections::BTreeMap;

/// Zeek's `Files::reassembly_buffer_size`: out-of-order bytes kept per
/// file before the holes are given up as missing.
const REASSEMBLY_BUFFER: usize = 512 * 1024;

pub struct OffsetTransfer {
    transfer: Transfer,
    /// The next offset the transfer expects.
    next: u64,
    /// Data beyond `next`, by offset.
    ahead: BTreeMap<u64, Vec<u8>>,
    ahead_bytes: usize,
}

impl OffsetTransfer {
    pub fn new(transfer: Transfer) -> Self {
        OffsetTransfer {
            transfer,
            next: 0,
            ahead: BTreeMap::new(),
            ahead_bytes: 0,
        }
    }

    pub fn transfer(&self) -> &Transfer {
        &self.transfer
    }

    /// Bytes at `offset`: what was already delivered is dropped, what fits
    /// goes on, what is ahead waits.
    pub fn write(&mut self, cx: &mut Context<'_>, offset: u64, data: &[u8]) {
        let end = offset.saturating_add(data.len() as u64);
        if end <= self.next {
            return;
        }
        let skip = self.next.saturating_sub(offset) as usize;
        let (offset, data) = (offset.max(self.next), &data[skip..]);
        if offset > self.next {
            self.ahead_bytes += data.len();
            let slot = self.ahead.entry(offset).or_default();
            if slot.len() < data.len() {
                self.ahead_bytes -= slot.len();
                *slot = data.to_vec();
            } else {
                self.ahead_bytes -= data.len();
            }
            if self.ahead_bytes > REASSEMBLY_BUFFER {
                self.drain(cx, true);
            }
            return;
        }
        self.transfer.data(cx, data);
        self.next = end;
        self.drain(cx, false);
    }

    /// Delivers the waiting blocks that are now in order; with `holes`,
    /// all of them, the holes before them becoming missing bytes.
    fn drain(&mut self, cx: &mut Context<'_>, holes: bool) {
        while let Some(entry) = self.ahead.first_entry() {
            let at = *entry.key();
            if at > self.next && !holes {
                break;
            }
            let block = entry.remove();
            self.ahead_bytes -= block.len();
            if at > self.next {
                self.transfer.gap(at - self.next);
                self.next = at;
            }
            let end = at + block.len() as u64;
            if end > self.next {
                let skip = (self.next - at) as usize;
                self.transfer.data(cx, &block[skip..]);
                self.next = end;
            }
        }
    }

    /// The file is complete: what waits goes on, holes and all.
    pub fn end(mut self, cx: &mut Context<'_>) {
        self.drain(cx, true);
        self.transfer.end(cx);
    }

    /// The file timed out: what waits goes on first.
    pub fn timed_out(mut self, cx: &mut Context<'_>) {
        self.drain(cx, true);
        self.transfer.timed_out(cx);
    }
}
