//! Software in HTTP headers for software.log: Zeek's
//! `policy/protocols/http/software` (User-Agent, Server, X-Powered-By)
//! and `software-browser-plugins` (Flash in request headers, plugin lists
//! in requests to Omniture servers).

use crate::software::{found, SoftwareType};
use crate::Context;

/// What the browser-plugins script notes on one transaction (its
/// `flash_version` and `omniture` fields of `HTTP::Info`, not logged).
#[derive(Debug, Default)]
pub(super) struct Plugins {
    flash_version: Option<Vec<u8>>,
    omniture: bool,
}

/// `http_header`: a header field (`name` upper-cased) of a request
/// (`is_orig`) or reply.
pub(super) fn header(
    cx: &mut Context<'_>,
    plugins: &mut Plugins,
    is_orig: bool,
    name: &[u8],
    value: &[u8],
) {
    let sw = &cx.config.software;
    let (headers, browser_plugins) = (sw.http, sw.http_plugins);
    if browser_plugins {
        note_plugins(plugins, is_orig, name, value);
    }
    if !headers {
        return;
    }
    let c = cx.conn;
    let (orig_h, resp_h, resp_p) = (c.orig_h, c.resp_h, Some(c.resp_p));
    match (is_orig, name) {
        // `HTTP::ignored_user_agents` is /NO_DEFAULT/ unless redefined.
        (true, b"USER-AGENT") if !contains(value, b"NO_DEFAULT") => {
            found(cx, SoftwareType::HttpBrowser, orig_h, None, value)
        }
        (false, b"SERVER") => found(cx, SoftwareType::HttpServer, resp_h, resp_p, value),
        (false, b"X-POWERED-BY") => found(cx, SoftwareType::HttpAppserver, resp_h, resp_p, value),
        (false, b"MICROSOFTSHAREPOINTTEAMSERVICES") => {
            let v = [&b"SharePoint/"[..], value].concat();
            found(cx, SoftwareType::HttpAppserver, resp_h, resp_p, &v)
        }
        _ => {}
    }
}

fn note_plugins(plugins: &mut Plugins, is_orig: bool, name: &[u8], value: &[u8]) {
    match (is_orig, name) {
        // Flash does not name itself: the script adds it.
        (true, b"X-FLASH-VERSION") => {
            plugins.flash_version = Some([&b"Flash/"[..], value].concat())
        }
        // Chrome announces Flash here (usually it marks AJAX requests).
        (true, b"X-REQUESTED-WITH") if contains(value, b"Flash") => {
            plugins.flash_version = Some(value.to_vec())
        }
        (false, b"SERVER") if value.starts_with(b"Omniture") => plugins.omniture = true,
        _ => {}
    }
}

/// `http_message_done` of a request: the Flash it announced, as AIR's own
/// Flash when the User-Agent is Adobe AIR's.
pub(super) fn request_done(cx: &mut Context<'_>, plugins: &Plugins, user_agent: Option<&[u8]>) {
    let Some(flash) = &plugins.flash_version else {
        return;
    };
    let flash = match user_agent {
        Some(ua) if contains(ua, b"AdobeAIR") => [&b"AdobeAIR-"[..], flash].concat(),
        _ => flash.clone(),
    };
    let orig_h = cx.conn.orig_h;
    found(cx, SoftwareType::HttpBrowserPlugin, orig_h, None, &flash);
}

/// `log_http`: a request to an Omniture server lists the browser's
/// plugins in its URI (`&p=<plugin>;<plugin>;...;&`).
pub(super) fn logged(cx: &mut Context<'_>, plugins: &Plugins, uri: Option<&[u8]>) {
    if !plugins.omniture {
        return;
    }
    let Some(list) = uri.and_then(omniture_plugins) else {
        return;
    };
    let orig_h = cx.conn.orig_h;
    for plugin in split_plugins(list) {
        found(cx, SoftwareType::HttpBrowserPlugin, orig_h, None, plugin);
    }
}

/// What `&p=([^&]{5,});&` matches first, without "&p=" and ";&".
fn omniture_plugins(uri: &[u8]) -> Option<&[u8]> {
    (0..uri.len()).find_map(|i| {
        let start = i + 3;
        if !uri[i..].starts_with(b"&p=") {
            return None;
        }
        // `[^&]` cannot cross an '&', so the match can only end at the next.
        let amp = start + uri[start..].iter().position(|&c| c == b'&')?;
        (amp >= start + 6 && uri[amp - 1] == b';').then(|| &uri[start..amp - 1])
    })
}

/// `split_string(list, /[[:blank:]]*;[[:blank:]]*/)`.
fn split_plugins(list: &[u8]) -> Vec<&[u8]> {
    let blank = |c: &u8| *c == b' ' || *c == b'\t';
    let pieces: Vec<&[u8]> = list.split(|&c| c == b';').collect();
    let last = pieces.len() - 1;
    pieces
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let lead = if i > 0 {
                p.iter().take_while(|c| blank(c)).count()
            } else {
                0
            };
            let p = &p[lead..];
            let trail = if i < last {
                p.iter().rev().take_while(|c| blank(c)).count()
            } else {
                0
            };
            &p[..p.len() - trail]
        })
        .collect()
}

fn contains(s: &[u8], needle: &[u8]) -> bool {
    s.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn omniture_plugin_lists() {
        let uri = b"/b/ss/x/1/H.20.3/s?AQB=1&p=Shockwave Flash;QuickTime Plug-in 7.6.6 ; Java;&c=1";
        let list = omniture_plugins(uri).expect("plugin list");
        assert_eq!(
            split_plugins(list),
            [&b"Shockwave Flash"[..], b"QuickTime Plug-in 7.6.6", b"Java"]
        );
        // Fewer than five characters, or no ";&" at the end: no list.
        assert_eq!(omniture_plugins(b"/?&p=ab;&x"), None);
        assert_eq!(omniture_plugins(b"/?&p=abcdefg&x"), None);
        assert_eq!(omniture_plugins(b"/?&p=abcdefg;"), None);
        // The first "&p=" that matches counts.
        assert_eq!(
            omniture_plugins(b"/?&p=6&p=Flash 10;&"),
            Some(&b"Flash 10"[..])
        );
    }
}
