//! Handover bundles for an office that is being closed: the database snapshot, its master
//! keys, a signed checkpoint of the audit log and a manifest, in one file encrypted to the
//! receiving office's age keys and signed with the sending office's checkpoint key.
//!
//! # Format
//! Inside the age encryption (age-encryption.org/v1, X25519 recipients), a plain stream:
//!
//! ```text
//! homeward-handover/1\n
//! file <name> <length>\n<length bytes>\n      (once per file)
//! end <created_at> <file count>\n
//! sig <key name> <base64 Ed25519 signature>\n
//! ```
//!
//! The signature covers the SHA-256 of every byte before the `sig` line (signed-then-
//! encrypted, so only recipients see who signed, and a recipient cannot strip the signature
//! without the reader noticing). The reader hands each file to a sink as it streams by and
//! checks the signature at the end: the caller writes only into a scratch place and moves
//! nothing into service until [`read_bundle`] has returned `Ok`.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::str::FromStr;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use homeward_trust::audit::{CheckpointSigner, CheckpointVerifier};
use sha2::{Digest, Sha256};

const MAGIC: &str = "homeward-handover/1";
/// The longest header line a reader accepts (file names are short).
const MAX_LINE: usize = 512;
/// The most files a bundle may hold.
const MAX_FILES: usize = 64;

/// Errors of handover bundles.
#[derive(Debug, thiserror::Error)]
pub enum HandoverError {
    /// A recipient or identity could not be read.
    #[error("{0}")]
    Key(String),
    /// Encryption or writing failed.
    #[error("writing the bundle: {0}")]
    Write(String),
    /// The bundle could not be decrypted with the given identity (wrong key, or not an age
    /// file).
    #[error("the bundle cannot be decrypted with this identity: {0}")]
    Decrypt(String),
    /// The bundle's contents are not a well-formed handover stream.
    #[error("the bundle is malformed: {0}")]
    Malformed(String),
    /// The signature does not verify with the expected key.
    #[error("the bundle's signature does not verify with the expected key {0}: refused")]
    BadSignature(String),
    /// A file named in the bundle was refused by the caller.
    #[error("{0}")]
    Refused(String),
}

/// One file to put in a bundle.
pub struct BundleFile<'a> {
    /// Its name in the bundle (letters, digits, `.`, `-`, `_`).
    pub name: &'a str,
    /// Its exact length in bytes.
    pub len: u64,
    /// Its contents.
    pub reader: &'a mut dyn Read,
}

/// What a verified bundle held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleContents {
    /// When the sender made it (unix seconds).
    pub created_at: i64,
    /// The signing key's name.
    pub signer: String,
    /// Each file's name and length, in order.
    pub files: Vec<(String, u64)>,
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// Parses age recipients (`age1...`), one per entry; an entry may also be a file holding one
/// recipient per line (`#` comments).
pub fn parse_recipients(entries: &[String]) -> Result<Vec<age::x25519::Recipient>, HandoverError> {
    let mut out = Vec::new();
    for e in entries {
        let text = if std::path::Path::new(e).is_file() {
            std::fs::read_to_string(e).map_err(|err| HandoverError::Key(format!("{e}: {err}")))?
        } else {
            e.clone()
        };
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let r = age::x25519::Recipient::from_str(line).map_err(|err| {
                HandoverError::Key(format!("not an age X25519 recipient (age1...): {err}"))
            })?;
            out.push(r);
        }
    }
    if out.is_empty() {
        return Err(HandoverError::Key("no recipient given".into()));
    }
    Ok(out)
}

/// Reads an age identity file (`AGE-SECRET-KEY-1...`, `#` comments).
pub fn parse_identity(text: &str) -> Result<age::x25519::Identity, HandoverError> {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .ok_or_else(|| HandoverError::Key("the identity file holds no key".into()))
        .and_then(|l| {
            age::x25519::Identity::from_str(l)
                .map_err(|_| HandoverError::Key("not an age identity (AGE-SECRET-KEY-1...)".into()))
        })
}

/// A new age identity: its file text (secret) and its recipient (public).
pub fn new_identity() -> (zeroize::Zeroizing<String>, String) {
    use secrecy::ExposeSecret;
    let id = age::x25519::Identity::generate();
    let recipient = id.to_public().to_string();
    let text = zeroize::Zeroizing::new(format!(
        "# Homeward handover identity; recipient: {recipient}\n{}\n",
        id.to_string().expose_secret()
    ));
    (text, recipient)
}

/// Counts and hashes what passes through.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Writes a bundle of `files` to `out`, encrypted to `recipients` and signed by `signer`.
/// Returns `out` once everything is written (the caller fsyncs and renames it into place).
pub fn write_bundle<W: Write>(
    out: W,
    recipients: &[age::x25519::Recipient],
    signer: &CheckpointSigner,
    created_at: i64,
    files: &mut [BundleFile<'_>],
) -> Result<W, HandoverError> {
    let werr = |e: io::Error| HandoverError::Write(e.to_string());
    let enc = age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
        .map_err(|e| HandoverError::Write(e.to_string()))?;
    let stream = enc.wrap_output(out).map_err(werr)?;
    let mut w = Hashing {
        inner: stream,
        hash: Sha256::new(),
    };
    writeln!(w, "{MAGIC}").map_err(werr)?;
    for f in files.iter_mut() {
        if !valid_name(f.name) {
            return Err(HandoverError::Write(format!("bad file name {:?}", f.name)));
        }
        writeln!(w, "file {} {}", f.name, f.len).map_err(werr)?;
        let copied = io::copy(&mut (&mut f.reader).take(f.len), &mut w).map_err(werr)?;
        if copied != f.len {
            return Err(HandoverError::Write(format!(
                "{} ended after {copied} of {} bytes",
                f.name, f.len
            )));
        }
        writeln!(w).map_err(werr)?;
    }
    writeln!(w, "end {created_at} {}", files.len()).map_err(werr)?;
    let digest: [u8; 32] = w.hash.finalize_reset().into();
    let sig = signer.sign_bundle(&digest);
    writeln!(
        w.inner,
        "sig {} {}",
        signer.verifier().name(),
        STANDARD.encode(sig)
    )
    .map_err(werr)?;
    w.inner.finish().map_err(werr)
}

/// Reads one header line (at most [`MAX_LINE`] bytes), hashing it.
fn read_line<R: BufRead>(r: &mut R, hash: Option<&mut Sha256>) -> Result<String, HandoverError> {
    let mut buf = Vec::new();
    let n = r
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut buf)
        .map_err(|e| HandoverError::Malformed(format!("reading: {e}")))?;
    if n == 0 || buf.last() != Some(&b'\n') {
        return Err(HandoverError::Malformed(
            "truncated or overlong header line".into(),
        ));
    }
    if let Some(h) = hash {
        h.update(&buf);
    }
    buf.pop();
    String::from_utf8(buf).map_err(|_| HandoverError::Malformed("header is not UTF-8".into()))
}

/// Reads and hashes through to an inner reader.
struct HashingReader<'a, R> {
    inner: &'a mut R,
    hash: &'a mut Sha256,
}

impl<R: Read> Read for HashingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
}

/// Receives each file of a bundle as it streams by: its name, length and contents.
pub type FileSink<'a> = dyn FnMut(&str, u64, &mut dyn Read) -> Result<(), HandoverError> + 'a;

/// Decrypts and reads a bundle, handing each file to `sink(name, length, contents)` as it
/// streams by, then checks the signature with `verifier`. Until this returns `Ok`, what the
/// sink wrote must be treated as untrusted scratch.
pub fn read_bundle<R: Read>(
    input: R,
    identity: &age::x25519::Identity,
    verifier: &CheckpointVerifier,
    sink: &mut FileSink<'_>,
) -> Result<BundleContents, HandoverError> {
    let dec = age::Decryptor::new(input).map_err(|e| HandoverError::Decrypt(e.to_string()))?;
    let plain = dec
        .decrypt(std::iter::once(identity as &dyn age::Identity))
        .map_err(|e| HandoverError::Decrypt(e.to_string()))?;
    let mut r = BufReader::new(plain);
    let mut hash = Sha256::new();
    if read_line(&mut r, Some(&mut hash))? != MAGIC {
        return Err(HandoverError::Malformed(
            "not a Homeward handover bundle".into(),
        ));
    }
    let mut files: Vec<(String, u64)> = Vec::new();
    let created_at = loop {
        let line = read_line(&mut r, Some(&mut hash))?;
        let parts: Vec<&str> = line.split(' ').collect();
        match parts[..] {
            ["file", name, len] => {
                let len: u64 = len
                    .parse()
                    .map_err(|_| HandoverError::Malformed("bad file length".into()))?;
                if !valid_name(name) || files.iter().any(|(n, _)| n == name) {
                    return Err(HandoverError::Malformed(format!("bad file name {name:?}")));
                }
                if files.len() >= MAX_FILES {
                    return Err(HandoverError::Malformed("too many files".into()));
                }
                let mut body = HashingReader {
                    inner: &mut r,
                    hash: &mut hash,
                };
                let mut limited = (&mut body).take(len);
                sink(name, len, &mut limited)?;
                // Whatever the sink left unread still counts towards the signature.
                io::copy(&mut limited, &mut io::sink())
                    .map_err(|e| HandoverError::Malformed(format!("reading {name}: {e}")))?;
                if limited.limit() != 0 {
                    return Err(HandoverError::Malformed(format!("{name} is truncated")));
                }
                if !read_line(&mut r, Some(&mut hash))?.is_empty() {
                    return Err(HandoverError::Malformed(format!(
                        "{name} overruns its length"
                    )));
                }
                files.push((name.to_owned(), len));
            }
            ["end", at, count] => {
                let at: i64 = at
                    .parse()
                    .map_err(|_| HandoverError::Malformed("bad end line".into()))?;
                if count.parse::<usize>().ok() != Some(files.len()) {
                    return Err(HandoverError::Malformed("file count differs".into()));
                }
                break at;
            }
            _ => return Err(HandoverError::Malformed("unexpected header line".into())),
        }
    };
    let digest: [u8; 32] = hash.finalize().into();
    let sig_line = read_line(&mut r, None)?;
    let (name, sig) = match sig_line.split(' ').collect::<Vec<_>>()[..] {
        ["sig", name, sig] => (name.to_owned(), sig.to_owned()),
        _ => return Err(HandoverError::Malformed("no signature line".into())),
    };
    let sig: [u8; 64] = STANDARD
        .decode(sig)
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| HandoverError::Malformed("bad signature encoding".into()))?;
    let mut trailing = [0u8; 1];
    if r.read(&mut trailing)
        .map_err(|e| HandoverError::Malformed(e.to_string()))?
        != 0
    {
        return Err(HandoverError::Malformed("data after the signature".into()));
    }
    if name != verifier.name() || verifier.verify_bundle(&digest, &sig).is_err() {
        return Err(HandoverError::BadSignature(verifier.name().to_owned()));
    }
    Ok(BundleContents {
        created_at,
        signer: name,
        files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    type Files = Vec<(String, Vec<u8>)>;

    fn signer(seed: u8) -> CheckpointSigner {
        CheckpointSigner::from_seed("office-a", &[seed; 32]).unwrap()
    }

    fn bundle(recipient: &age::x25519::Recipient, files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut readers: Vec<&[u8]> = files.iter().map(|(_, b)| *b).collect();
        let mut list: Vec<BundleFile<'_>> = files
            .iter()
            .zip(readers.iter_mut())
            .map(|((name, b), r)| BundleFile {
                name,
                len: b.len() as u64,
                reader: r,
            })
            .collect();
        write_bundle(
            Vec::new(),
            std::slice::from_ref(recipient),
            &signer(1),
            1_700_000_000,
            &mut list,
        )
        .unwrap()
    }

    fn read(
        bytes: &[u8],
        id: &age::x25519::Identity,
        v: &CheckpointVerifier,
    ) -> Result<(BundleContents, Files), HandoverError> {
        let mut got = Vec::new();
        let c = read_bundle(bytes, id, v, &mut |name, _, r| {
            let mut b = Vec::new();
            r.read_to_end(&mut b).unwrap();
            got.push((name.to_owned(), b));
            Ok(())
        })?;
        Ok((c, got))
    }

    #[test]
    fn round_trip_and_every_tampering_is_refused() {
        let id = age::x25519::Identity::generate();
        let bytes = bundle(
            &id.to_public(),
            &[("a.txt", b"hello"), ("b.bin", &[0u8; 3000])],
        );
        let (c, files) = read(&bytes, &id, &signer(1).verifier()).unwrap();
        assert_eq!(c.created_at, 1_700_000_000);
        assert_eq!(files[0], ("a.txt".to_owned(), b"hello".to_vec()));
        assert_eq!(files[1].1.len(), 3000);
        // Any single changed byte: the AEAD or the signature refuses it.
        for at in [0, 40, bytes.len() / 2, bytes.len() - 1] {
            let mut bad = bytes.clone();
            bad[at] ^= 1;
            assert!(read(&bad, &id, &signer(1).verifier()).is_err(), "byte {at}");
        }
        // Another office's key, another identity.
        assert!(matches!(
            read(&bytes, &id, &signer(2).verifier()),
            Err(HandoverError::BadSignature(_))
        ));
        let other = age::x25519::Identity::generate();
        assert!(matches!(
            read(&bytes, &other, &signer(1).verifier()),
            Err(HandoverError::Decrypt(_))
        ));
    }

    #[test]
    fn a_recipient_who_re_encrypts_altered_contents_is_caught_by_the_signature() {
        // A recipient can decrypt and re-encrypt; the signature is what stops them.
        let id = age::x25519::Identity::generate();
        let bytes = bundle(&id.to_public(), &[("a.txt", b"hello")]);
        let mut plain = Vec::new();
        age::Decryptor::new(&bytes[..])
            .unwrap()
            .decrypt(std::iter::once(&id as &dyn age::Identity))
            .unwrap()
            .read_to_end(&mut plain)
            .unwrap();
        let text = String::from_utf8(plain).unwrap().replace("hello", "jello");
        let again = age::encrypt(&id.to_public(), text.as_bytes()).unwrap();
        assert!(matches!(
            read(&again, &id, &signer(1).verifier()),
            Err(HandoverError::BadSignature(_))
        ));
    }

    #[test]
    fn hostile_names_are_refused() {
        let id = age::x25519::Identity::generate();
        let text = format!("{MAGIC}\nfile ../x 1\na\nend 0 1\n");
        let enc = age::encrypt(&id.to_public(), text.as_bytes()).unwrap();
        assert!(matches!(
            read(&enc, &id, &signer(1).verifier()),
            Err(HandoverError::Malformed(_))
        ));
    }

    #[test]
    fn identities_and_recipients_parse() {
        let (text, recipient) = new_identity();
        let id = parse_identity(&text).unwrap();
        assert_eq!(id.to_public().to_string(), recipient);
        assert!(parse_recipients(&[recipient]).is_ok());
        assert!(parse_recipients(&["age1nope".into()]).is_err());
    }
}
