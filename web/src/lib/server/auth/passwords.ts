/** The console's password hashing is the project's one implementation (also the registry's users). */
export {
  DEFAULT_SCRYPT,
  MIN_PASSWORD_LENGTH,
  dummyPasswordHash,
  hashPassword,
  validatePassword,
  verifyPassword,
  type ScryptParams,
} from '@fraud/common/passwords';
