// CNI errors (SPEC 1.0.0 "Error"): `{cniVersion, code, msg, details?}` on stdout and a non-zero
// exit. Codes 1-99 are the spec's well-known ones; 100 and up are ours.
export const CNI = {
  IncompatibleVersion: 1,
  UnsupportedField: 2,
  UnknownContainer: 3,
  InvalidEnvironment: 4,
  IoFailure: 5,
  DecodingFailure: 6,
  InvalidNetworkConfig: 7,
  TryAgainLater: 11,
  // CNI 1.1 STATUS: the plugin cannot service ADD requests.
  PluginNotAvailable: 50,
  // Ours (100+):
  IpamFailure: 100,
  InterfaceFailure: 101,
  CheckFailure: 102,
  Internal: 999,
} as const;

export class CniError extends Error {
  constructor(
    readonly code: number,
    msg: string,
    readonly details?: string,
  ) {
    super(msg);
    this.name = 'CniError';
  }
}
