//! Link-layer type numbers (LINKTYPE_* of pcap/pcapng).
