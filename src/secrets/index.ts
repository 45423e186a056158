export { loadSecretKey, parseSecretKey, type SecretKey, type LoadKeyOptions } from './key.js';
export { encryptSecret, decryptSecret } from './cipher.js';
export { SecretStore } from './store.js';
export { secretResolver, isStoredSecretRef, revealStoredSecrets, scrubSecrets, type SecretResolver } from './resolve.js';
export { rotateSecretKey, type RotationResult } from './rotate.js';
export { SecretScrubber, rememberSecret, scrubSecretText, safeExcerpt, secretPattern, REDACTED_SECRET, MAX_EXCERPT } from '../util/secret-scrub.js';
