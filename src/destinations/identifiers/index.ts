export {
  normalizeEmail,
  normalizePhone,
  normalizeName,
  normalizeInitial,
  normalizeZip,
  normalizeCountry,
  normalizeState,
  normalizeGender,
  dateOfBirthParts,
} from './normalize.js';
export { sha256Hex, sha512Hex, isSha256Hex, hashNormalized } from './hash.js';
export { CALLING_CODES } from './phone-codes.js';
export { normalizeForGoogle, googleHashed, type GoogleIdentifierKind } from './google.js';
export { normalizeForTikTok, tiktokHashed, type TikTokIdentifierKind } from './tiktok.js';
export { normalizeForLinkedIn, linkedinHashedEmail, type LinkedInEmailHash } from './linkedin.js';
