//! Secret redaction of provider error messages before they are stored.
//!
//! Judged token by token rather than with one regex over the whole message, so that a
//! secret is caught wherever it stands (inside JSON quotes, a URL query, after `Bearer`)
//! while ordinary words, hex hashes, paths and numbers survive. Redacted:
//! - every occurrence of a secret the host registered (anywhere, even mid-token);
//! - the token after `Bearer`, and after header names such as `x-key:` or
//!   `Authorization:`;
//! - values of `key=`, `token=`, `api_key=`, `access_token=`, `secret=`, `password=` ...
//!   pairs (also inside URLs, up to `&`);
//! - `sk-...` keys (OpenAI style) and `AIza...` keys (Google style);
//! - long mixed-case tokens: 32 or more letters/digits/`-_` with upper case, lower case
//!   and digits all present (random API keys; lower-case hex hashes are kept).

/// What replaces a secret.
pub const REDACTED: &str = "[REDACTED]";

const PAIR_KEYS: [&str; 10] = [
    "key",
    "api_key",
    "apikey",
    "api-key",
    "token",
    "access_token",
    "refresh_token",
    "secret",
    "client_secret",
    "password",
];

const HEADER_KEYS: [&str; 5] = [
    "x-key",
    "x-api-key",
    "api-key",
    "authorization",
    "x-goog-api-key",
];

/// A secret as written, upper- and lower-cased, and base64-encoded (standard and
/// URL-safe alphabets, the padding dropped so it also matches inside longer encodings
/// that end there).
fn forms(secret: &str) -> Vec<String> {
    use base64::Engine as _;
    let b = secret.as_bytes();
    let std = base64::engine::general_purpose::STANDARD_NO_PAD.encode(b);
    let url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    vec![
        secret.to_string(),
        secret.to_ascii_uppercase(),
        secret.to_ascii_lowercase(),
        std,
        url,
    ]
}

/// Redacts secrets from a provider message; `registered` are the host's own secrets
/// (API keys it holds), redacted wherever they occur, also upper- or lower-cased or in
/// base64. Secrets shorter than 4 bytes are ignored.
pub fn redact(message: &str, registered: &[String]) -> String {
    // 1. Registered secrets, anywhere (longest first so overlapping ones all go).
    //    Each also in the forms a server may echo it in: upper or lower case, base64.
    let mut msg = message.to_string();
    let mut secrets: Vec<String> = registered
        .iter()
        .filter(|s| s.len() >= 4)
        .flat_map(|s| forms(s))
        .collect();
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    secrets.dedup();
    for s in secrets {
        msg = msg.replace(s.as_str(), REDACTED);
    }

    // 2. Token by token: a token is a run of characters that can belong to a key, a URL
    //    or a key=value pair; everything else (spaces, quotes, brackets, commas) is kept.
    let mut out = String::with_capacity(msg.len());
    let mut redact_next = false;
    let mut rest = msg.as_str();
    while !rest.is_empty() {
        let sep_len = rest
            .char_indices()
            .find(|&(_, c)| is_token_char(c))
            .map_or(rest.len(), |(i, _)| i);
        out.push_str(&rest[..sep_len]);
        rest = &rest[sep_len..];
        let tok_len = rest
            .char_indices()
            .find(|&(_, c)| !is_token_char(c))
            .map_or(rest.len(), |(i, _)| i);
        let token = &rest[..tok_len];
        rest = &rest[tok_len..];
        if token.is_empty() {
            continue;
        }
        let lower = token.to_ascii_lowercase();
        // `Bearer`/`Basic` always announce a secret; `token` only right after a header
        // name (`Authorization: token ...`), so "the token expired" stays readable.
        let scheme = lower == "bearer" || lower == "basic" || (redact_next && lower == "token");
        // A value already redacted (`[REDACTED]`, by step 1 or an earlier pass) stays as
        // it is: redacting twice must change nothing.
        let already = token == REDACTED.trim_matches(['[', ']'])
            && out.ends_with('[')
            && rest.starts_with(']');
        if redact_next && already {
            out.push_str(token);
            redact_next = false;
            continue;
        }
        if redact_next && !scheme && !is_header_name(token) {
            out.push_str(REDACTED);
            redact_next = false;
            continue;
        }
        if scheme || is_header_name(token) {
            out.push_str(token);
            redact_next = true;
            continue;
        }
        out.push_str(&redact_token(token));
    }
    out
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-_.~+/=&?%:@".contains(c)
}

fn is_header_name(token: &str) -> bool {
    let t = token.trim_end_matches(':').to_ascii_lowercase();
    token.ends_with(':') && HEADER_KEYS.contains(&t.as_str())
}

/// Redacts within one token: `k=v` pairs (each `&`-separated part), then the whole token
/// if it looks like a key.
fn redact_token(token: &str) -> String {
    if token.contains('=') {
        // Keep the URL or key part before '?', judge each pair after it.
        let (head, query) = match token.split_once('?') {
            Some((h, q)) => (Some(h), q),
            None => (None, token),
        };
        let parts: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, v)) if is_pair_key(k) && !v.is_empty() => format!("{k}={REDACTED}"),
                Some((k, v)) => format!("{k}={}", redact_word(v)),
                None => redact_word(pair),
            })
            .collect();
        let joined = parts.join("&");
        return match head {
            Some(h) => format!("{}?{joined}", redact_word(h)),
            None => joined,
        };
    }
    redact_word(token)
}

fn is_pair_key(k: &str) -> bool {
    let k = k.to_ascii_lowercase();
    PAIR_KEYS.contains(&k.as_str())
}

/// Redacts a plain word if it looks like a key, keeping trailing sentence punctuation.
fn redact_word(word: &str) -> String {
    let core = word.trim_end_matches(['.', ':']);
    let tail = &word[core.len()..];
    if looks_like_key(core) {
        format!("{REDACTED}{tail}")
    } else {
        word.to_string()
    }
}

fn looks_like_key(w: &str) -> bool {
    if w.starts_with("sk-") && w.len() >= 12 {
        return true;
    }
    if w.starts_with("AIza") && w.len() >= 30 {
        return true;
    }
    let keyish = w
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    keyish
        && w.len() >= 32
        && w.chars().any(|c| c.is_ascii_uppercase())
        && w.chars().any(|c| c.is_ascii_lowercase())
        && w.chars().any(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> String {
        redact(s, &[])
    }

    #[test]
    fn bearer_headers_and_pairs() {
        assert_eq!(
            r("401: Authorization: Bearer abc.def.ghi rejected"),
            "401: Authorization: Bearer [REDACTED] rejected"
        );
        assert_eq!(r("bad header x-key: 12345"), "bad header x-key: [REDACTED]");
        assert_eq!(
            r("GET https://api.example/v1/x?key=AbC123&alt=json failed"),
            "GET https://api.example/v1/x?key=[REDACTED]&alt=json failed"
        );
        assert_eq!(
            r("token=xyz, password=hunter2"),
            "token=[REDACTED], password=[REDACTED]"
        );
        assert_eq!(r("width=1024 height=768"), "width=1024 height=768");
        assert_eq!(
            r("Authorization: token ghp123"),
            "Authorization: token [REDACTED]"
        );
        assert_eq!(r("the token expired"), "the token expired");
    }

    #[test]
    fn key_shapes() {
        let openai = r#"{"error":{"message":"Incorrect API key provided: sk-proj-AbCdEf0123456789xyz. You can find your API key at https://platform.example/account."}}"#;
        assert_eq!(
            r(openai),
            r#"{"error":{"message":"Incorrect API key provided: [REDACTED]. You can find your API key at https://platform.example/account."}}"#
        );
        assert_eq!(
            r("google AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUv invalid"),
            "google [REDACTED] invalid"
        );
        assert_eq!(
            r("key AbCdEfGhIjKlMnOpQrStUvWxYz0123456789 expired"),
            "key [REDACTED] expired"
        );
    }

    #[test]
    fn ordinary_text_survives() {
        for s in [
            "Request failed with status 429: rate limit exceeded, retry after 20s",
            "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 mismatch",
            "image must be at most 4096x4096 pixels (got 5000x3000)",
            "see /v1/images/edits for details",
            "the mask must be binary; got values 0..=255",
            "ThisIsAVeryLongCamelCaseIdentifierButNoDigits stays",
        ] {
            assert_eq!(r(s), s);
        }
    }

    #[test]
    fn registered_secrets_anywhere() {
        let secrets = vec!["s3cr3t-Value".to_string(), "".to_string(), "ab".to_string()];
        assert_eq!(
            redact(
                "echo: prefix-s3cr3t-Value-suffix and \"s3cr3t-Value\"",
                &secrets
            ),
            "echo: prefix-[REDACTED]-suffix and \"[REDACTED]\""
        );
        // Too-short registered strings are not treated as secrets (they would shred text).
        assert_eq!(redact("about ab", &secrets), "about ab");
    }

    #[test]
    fn redacting_twice_changes_nothing() {
        let key = "sk-live-0123456789abcdefXYZ".to_string();
        for m in [
            format!("Authorization: Bearer {key}"),
            format!("x-key: {key} and key={key}"),
            format!("https://h/p?token={key}&x=1"),
        ] {
            let once = redact(&m, std::slice::from_ref(&key));
            assert_eq!(redact(&once, std::slice::from_ref(&key)), once, "{m}");
            assert!(!once.contains("[[") && !once.contains(&key), "{once}");
        }
    }

    #[test]
    fn registered_secrets_in_other_cases_and_base64() {
        use base64::Engine as _;
        // All lower case, no digits: no heuristic would catch it on its own.
        let key = "quietlakeatdawnkey".to_string();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&key);
        let url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&key);
        let message = format!(
            "upper {} base64 {b64} url {url} basic {}",
            key.to_uppercase(),
            base64::engine::general_purpose::STANDARD.encode(format!("user:{key}"))
        );
        let out = redact(&message, std::slice::from_ref(&key));
        assert!(!out.to_lowercase().contains(&key), "{out}");
        assert!(
            !out.contains(&b64[..b64.len() - 2]) && !out.contains(&url),
            "{out}"
        );
        assert!(
            out.starts_with("upper [REDACTED] base64 [REDACTED]"),
            "{out}"
        );
        // "Basic <base64>" is redacted as an authorization value.
        assert!(out.ends_with("basic [REDACTED]"), "{out}");
    }
}
