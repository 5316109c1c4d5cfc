//! Filters the pure-Rust evaluator does not cover, compiled by libpcap
//! (the `libpcap` feature) and run with `pcap_offline_filter`. A program is
//! compiled per link type on first use, as libpcap's offsets depend on it.

use std::cell::RefCell;
use std::collections::HashMap;

pub struct Programs {
    text: String,
    by_linktype: RefCell<HashMap<u32, Option<pcap::BpfProgram>>>,
}

impl std::fmt::Debug for Programs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Programs")
            .field("text", &self.text)
            .finish()
    }
}

const ETHERNET: u32 = 1;

fn compile_for(text: &str, linktype: u32) -> Result<pcap::BpfProgram, String> {
    let dead = pcap::Capture::dead(pcap::Linktype(linktype as i32)).map_err(|e| e.to_string())?;
    dead.compile(text, true).map_err(|e| e.to_string())
}

impl Programs {
    /// Check `text` compiles (for Ethernet, the common case) and keep it.
    pub fn compile(text: &str) -> Result<Programs, String> {
        let ethernet = compile_for(text, ETHERNET)?;
        let mut by_linktype = HashMap::new();
        by_linktype.insert(ETHERNET, Some(ethernet));
        Ok(Programs {
            text: text.to_string(),
            by_linktype: RefCell::new(by_linktype),
        })
    }

    /// Whether the packet passes; a link type libpcap cannot compile the
    /// filter for matches nothing.
    pub fn matches(&self, linktype: u32, data: &[u8]) -> bool {
        let mut cache = self.by_linktype.borrow_mut();
        let program = cache
            .entry(linktype)
            .or_insert_with(|| compile_for(&self.text, linktype).ok());
        program.as_ref().is_some_and(|p| p.filter(data))
    }
}

#[cfg(test)]
mod tests {
    use crate::Filter;

    fn ethernet(dst: [u8; 6], ethertype: u16) -> Vec<u8> {
        let mut f = dst.to_vec();
        f.extend_from_slice(&[2, 0, 0, 0, 0, 1]);
        f.extend_from_slice(&ethertype.to_be_bytes());
        f.extend_from_slice(&[0; 46]);
        f
    }

    #[test]
    fn libpcap_takes_what_the_native_subset_does_not_parse() {
        assert!(Filter::compile_native("ether broadcast").is_err());
        let f = Filter::compile("ether broadcast").unwrap();
        assert!(f.matches(1, &ethernet([0xff; 6], 0x0800)));
        assert!(!f.matches(1, &ethernet([2, 0, 0, 0, 0, 2], 0x0800)));
        let f = Filter::compile("ether proto 0x0806").unwrap();
        assert!(f.matches(1, &ethernet([0xff; 6], 0x0806)));
        assert!(!f.matches(1, &ethernet([0xff; 6], 0x0800)));
    }

    #[test]
    fn libpcap_errors_are_reported() {
        let e = Filter::compile("ether bogus stuff").unwrap_err();
        assert!(e.to_string().contains("libpcap"), "{e}");
    }
}
