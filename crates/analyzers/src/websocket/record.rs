use records::{Port, Time, ZString};
use std::net::IpAddr;

records::record! {
    /// One websocket.log row (Zeek's `WebSocket::Info`): an HTTP
    /// connection upgraded to WebSocket.
    #[derive(Debug, Clone, Default)]
    pub struct WebsocketRecord : "websocket" {
        pub ts: Time = "ts",
        pub uid: String = "uid",
        pub orig_h: Option<IpAddr> = "id.orig_h",
        pub orig_p: Port = "id.orig_p",
        pub resp_h: Option<IpAddr> = "id.resp_h",
        pub resp_p: Port = "id.resp_p",
        pub host: Option<ZString> = "host",
        pub uri: Option<ZString> = "uri",
        pub user_agent: Option<ZString> = "user_agent",
        pub subprotocol: Option<ZString> = "subprotocol",
        pub client_protocols: Option<Vec<ZString>> = "client_protocols",
        pub server_extensions: Option<Vec<ZString>> = "server_extensions",
        pub client_extensions: Option<Vec<ZString>> = "client_extensions",
    }
}
