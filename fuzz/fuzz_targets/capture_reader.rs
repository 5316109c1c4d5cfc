//! Any bytes as a capture file: reading must end in packets, a warning or
//! one error, never a panic or unbounded memory.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let reader = Box::new(std::io::Cursor::new(data.to_vec()));
    if let Ok(mut src) = capture::PacketSource::from_reader(reader, Some(data.len() as u64), "fuzz") {
        let mut n = 0u32;
        while let Ok(Some(p)) = src.next_packet() {
            n = n.wrapping_add(p.data.len() as u32);
        }
        let _ = (n, src.take_warnings());
    }
});
