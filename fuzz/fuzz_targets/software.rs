//! Zeek's `Software::parse` on any version string, and the tracker that
//! decides software.log rows: no panic, and a row names what it parsed.
#![no_main]
use analyzers::software::{parse, Sighting, SoftwareType, Tracker};
use libfuzzer_sys::fuzz_target;
use records::Time;

fuzz_target!(|data: &[u8]| {
    let d = parse(data);
    let mut tracker = Tracker::new();
    let sighting = Sighting {
        ts: Time(0),
        host: [10, 0, 0, 1].into(),
        host_p: None,
        kind: SoftwareType::HttpBrowser,
        unparsed: data.to_vec(),
    };
    let row = tracker
        .found(sighting.clone())
        .expect("a new host's software is logged");
    assert_eq!(row.name.map(|n| n.0), Some(d.name));
    assert!(tracker.found(sighting).is_none());
});
