/**
 * src/config: the daemon configuration file (DESIGN.md contract 2), loaded and validated
 * field by field. Shared by `vroute reflector` and `vroute node`.
 */
export * from './daemon-config';
export * from './policy-config';
