//! Reassembly of fragmented DCE/RPC calls, bounded as Zeek bounds it:
//! too many calls in reassembly or too much data in one stops the
//! analysis, with a weird.

use std::collections::HashMap;

/// Zeek's `DCE_RPC::max_cmd_reassembly` and `DCE_RPC::max_frag_data`.
#[derive(Debug, Clone)]
pub struct DceRpcConfig {
    /// Calls being reassembled at once, per direction.
    pub max_cmd_reassembly: usize,
    /// Bytes of one call being reassembled.
    pub max_frag_data: usize,
}

impl Default for DceRpcConfig {
    fn default() -> Self {
        DceRpcConfig {
            max_cmd_reassembly: 20,
            max_frag_data: 30000,
        }
    }
}

const FIRST_FRAG: u8 = 0x01;
const LAST_FRAG: u8 = 0x02;

/// The calls of one direction whose first fragment came and last did not
/// yet: call id → body bytes so far. Its size is bounded by the limits,
/// which stop the analysis when crossed.
#[derive(Debug, Default)]
pub struct Fragments {
    calls: HashMap<u32, usize>,
}

impl Fragments {
    /// One whole PDU (its header parsed). Pushes the weirds it raises to
    /// `weirds`; returns whether the analysis stops here.
    pub fn add(
        &mut self,
        config: &DceRpcConfig,
        pdu: &[u8],
        weirds: &mut Vec<&'static str>,
    ) -> bool {
        let (Some(&flags), Some(id)) = (pdu.get(3), call_id(pdu)) else {
            return false;
        };
        let body = pdu.len().saturating_sub(super::HEADER);
        let (first, last) = (flags & FIRST_FRAG != 0, flags & LAST_FRAG != 0);
        let mut stop = false;
        let total = if first {
            if self.calls.contains_key(&id) {
                weirds.push("multiple_first_fragments_in_dce_rpc_reassembly");
                return true;
            }
            if last {
                return false;
            }
            self.calls.insert(id, body);
            if self.calls.len() > config.max_cmd_reassembly {
                weirds.push("too_many_dce_rpc_msgs_in_reassembly");
                stop = true;
            }
            body
        } else {
            let Some(so_far) = self.calls.get_mut(&id) else {
                return false;
            };
            *so_far += body;
            let total = *so_far;
            if last {
                self.calls.remove(&id);
            }
            total
        };
        if total > config.max_frag_data {
            weirds.push("too_much_dce_rpc_fragment_data");
            stop = true;
        }
        stop
    }
}

/// The call id of a PDU's header, in its data representation.
fn call_id(pdu: &[u8]) -> Option<u32> {
    let b: [u8; 4] = pdu.get(12..16)?.try_into().ok()?;
    Some(if super::little_endian(pdu) {
        u32::from_le_bytes(b)
    } else {
        u32::from_be_bytes(b)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pdu(flags: u8, call: u32, body: usize) -> Vec<u8> {
        let mut p = vec![5, 0, 0, flags, 0x10, 0, 0, 0];
        p.extend_from_slice(&((16 + body) as u16).to_le_bytes());
        p.extend_from_slice(&[0, 0]);
        p.extend_from_slice(&call.to_le_bytes());
        p.resize(16 + body, 0);
        p
    }

    #[test]
    fn too_many_calls_in_reassembly_stop_the_analysis() {
        let config = DceRpcConfig {
            max_cmd_reassembly: 2,
            ..DceRpcConfig::default()
        };
        let mut f = Fragments::default();
        let mut weirds = Vec::new();
        assert!(!f.add(&config, &pdu(FIRST_FRAG, 1, 0), &mut weirds));
        assert!(!f.add(&config, &pdu(FIRST_FRAG, 2, 0), &mut weirds));
        // A whole call takes no room.
        assert!(!f.add(&config, &pdu(FIRST_FRAG | LAST_FRAG, 9, 0), &mut weirds));
        assert!(weirds.is_empty());
        assert!(f.add(&config, &pdu(FIRST_FRAG, 3, 0), &mut weirds));
        assert_eq!(weirds, ["too_many_dce_rpc_msgs_in_reassembly"]);
    }

    #[test]
    fn finished_calls_leave_and_data_is_capped() {
        let config = DceRpcConfig {
            max_cmd_reassembly: 1,
            max_frag_data: 100,
        };
        let mut f = Fragments::default();
        let mut weirds = Vec::new();
        assert!(!f.add(&config, &pdu(FIRST_FRAG, 1, 60), &mut weirds));
        assert!(!f.add(&config, &pdu(LAST_FRAG, 1, 10), &mut weirds));
        assert!(!f.add(&config, &pdu(FIRST_FRAG, 2, 60), &mut weirds));
        assert!(f.add(&config, &pdu(0, 2, 60), &mut weirds));
        assert_eq!(weirds, ["too_much_dce_rpc_fragment_data"]);
        assert!(f.add(&config, &pdu(FIRST_FRAG, 2, 1), &mut weirds));
        assert_eq!(weirds[1], "multiple_first_fragments_in_dce_rpc_reassembly");
    }
}
