export { loadSecretKey, parseSecretKey, type SecretKey, type LoadKeyOptions } from './key.js';
export { encryptSecret, decryptSecret } from './cipher.js';
export { secretResolver, isStoredSecretRef, revealStoredSecrets, scrubSecrets, type SecretResolver, type StoredSecrets } from './resolve.js';
export { SecretScrubber, rememberSecret, scrubSecretText, safeExcerpt, secretPattern, REDACTED_SECRET, MAX_EXCERPT } from '../util/secret-scrub.js';
