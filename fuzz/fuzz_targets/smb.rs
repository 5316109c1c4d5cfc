//! The SMB analyzer over arbitrary client and server bytes, with gaps and
//! stream ends (see `shrike_fuzz::drive`). The first byte's low bit picks
//! tiny limits, which reach the state-discarding and pipe paths.
#![no_main]
use analyzers::smb::SmbAnalyzer;
use analyzers::AnalyzerConfig;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&limits, input)) = data.split_first() else {
        return;
    };
    let mut config = AnalyzerConfig::default();
    if limits & 1 == 1 {
        config.smb.max_pending_messages = 2;
        config.smb.max_dce_rpc_analyzers = 1;
        config.smb.max_andx_depth = 1;
        config.dce_rpc.max_cmd_reassembly = 1;
        config.dce_rpc.max_frag_data = 16;
    }
    let conn = shrike_fuzz::conn(6, 445);
    shrike_fuzz::drive(&mut SmbAnalyzer::default(), &conn, &config, input, |_| {});
});
