//! Cryptographic primitives (SHA-256, SM3, SM4, OS randomness, constant-time comparison) with known-answer tests.

use base64ct::{Base64UrlUnpadded, Encoding};
use sm3::Digest;
use sm4::cipher::{BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use subtle::ConstantTimeEq;

/// The operating system's random number generator failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the operating system random number generator failed: {0}")]
pub struct RngError(String);

/// SHA-256 (FIPS 180-4). ring's assembly, which picks the CPU's fastest form (SHA
/// extensions, AVX, SSSE3): without SHA extensions it hashes the audit chain about 1.8 times
/// as fast as the portable Rust code of the `sha2` crate.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let d = ring::digest::digest(&ring::digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// SM3 (GB/T 32905-2016).
pub fn sm3(data: &[u8]) -> [u8; 32] {
    sm3::Sm3::digest(data).into()
}

/// Encrypts one block with SM4 (GB/T 32907-2016). A raw block primitive, used for the known-answer
/// test; real encryption at rest needs a mode with authentication on top of it.
pub fn sm4_encrypt_block(key: &[u8; 16], block: &[u8; 16]) -> [u8; 16] {
    let cipher = sm4::Sm4::new(&(*key).into());
    let mut b = (*block).into();
    cipher.encrypt_block(&mut b);
    b.into()
}

/// Decrypts one block with SM4; the inverse of [`sm4_encrypt_block`].
pub fn sm4_decrypt_block(key: &[u8; 16], block: &[u8; 16]) -> [u8; 16] {
    let cipher = sm4::Sm4::new(&(*key).into());
    let mut b = (*block).into();
    cipher.decrypt_block(&mut b);
    b.into()
}

/// Fills `buf` from the operating system CSPRNG.
pub fn try_fill_random(buf: &mut [u8]) -> Result<(), RngError> {
    getrandom::fill(buf).map_err(|e| RngError(e.to_string()))
}

/// `N` bytes from the operating system CSPRNG.
///
/// # Panics
/// Only if the operating system cannot supply randomness, never because of its input: carrying on
/// with predictable session ids or salts would be worse than stopping. Use [`try_fill_random`] to
/// handle that case.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    fill_or_abort(&mut out);
    out
}

fn fill_or_abort(buf: &mut [u8]) {
    if let Err(e) = try_fill_random(buf) {
        panic!("{e}");
    }
}

/// A URL-safe random token: `bytes` bytes from the OS CSPRNG, base64url without padding
/// (`ceil(bytes * 4 / 3)` characters from `A-Z a-z 0-9 - _`).
///
/// # Panics
/// Only if the operating system cannot supply randomness (see [`random_bytes`]).
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    fill_or_abort(&mut buf);
    Base64UrlUnpadded::encode_string(&buf)
}

/// A uniformly distributed random index in `0..n` (`n > 0`), by rejection sampling so that no
/// value is favoured. Returns 0 when `n == 0`.
pub(crate) fn random_index(n: usize) -> usize {
    let Ok(n32) = u32::try_from(n) else {
        return 0;
    };
    if n32 == 0 {
        return 0;
    }
    // The largest multiple of n below 2^32: values at or above it would bias the result.
    let zone = u32::MAX - (u32::MAX % n32 + 1) % n32;
    loop {
        let v = u32::from_le_bytes(random_bytes::<4>());
        if v <= zone {
            return (v % n32) as usize;
        }
    }
}

/// Compares two byte strings in time that depends only on their lengths, never on where they
/// differ. Different lengths compare unequal.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// Lowercase hex of `bytes`.
pub fn to_hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    #[test]
    fn sha256_fips_vectors() {
        assert_eq!(
            sha256(b"abc").to_vec(),
            h("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
        assert_eq!(
            sha256(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq").to_vec(),
            h("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        );
        assert_eq!(
            sha256(b"").to_vec(),
            h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
    }

    #[test]
    fn sm3_gbt32905_vectors() {
        assert_eq!(
            sm3(b"abc").to_vec(),
            h("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")
        );
        assert_eq!(
            sm3("abcd".repeat(16).as_bytes()).to_vec(),
            h("debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732")
        );
    }

    #[test]
    fn sm4_gbt32907_vector() {
        let key: [u8; 16] = h("0123456789abcdeffedcba9876543210").try_into().unwrap();
        let ct = sm4_encrypt_block(&key, &key);
        assert_eq!(ct.to_vec(), h("681edf34d206965e86b3e94f536e4246"));
        assert_eq!(sm4_decrypt_block(&key, &ct), key);
    }

    #[test]
    fn random_bytes_differ_and_are_sized() {
        let a = random_bytes::<32>();
        let b = random_bytes::<32>();
        assert_ne!(a, b);
        assert_ne!(a, [0u8; 32]);
        assert_eq!(random_bytes::<0>(), [0u8; 0]);
    }

    #[test]
    fn random_token_is_url_safe() {
        let t = random_token(32);
        assert_eq!(t.len(), 43);
        assert!(
            t.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_ne!(t, random_token(32));
        assert_eq!(random_token(0), "");
    }

    #[test]
    fn random_index_stays_in_range() {
        for n in [1usize, 2, 3, 7, 62, 1000] {
            for _ in 0..200 {
                assert!(random_index(n) < n);
            }
        }
        assert_eq!(random_index(0), 0);
        // All values of a small range show up.
        let mut seen = [false; 5];
        for _ in 0..500 {
            seen[random_index(5)] = true;
        }
        assert!(seen.iter().all(|s| *s));
    }

    #[test]
    fn constant_time_eq_behaves_like_eq() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(constant_time_eq(b"", b""));
    }
}
