//! IPv4/IPv6 fragment reassembly with bounded memory.
