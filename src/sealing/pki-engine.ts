import * as pkijs from 'pkijs';

let engine: pkijs.CryptoEngine | undefined;

/**
 * The pkijs crypto engine over Node's WebCrypto (`globalThis.crypto`, Node 20). pkijs v4 installs one of its own
 * when it is first imported; we pass ours explicitly to every call that signs, verifies or hashes, so nothing
 * here depends on what other code sets globally, and install it globally only when none is set.
 */
export function pkiCryptoEngine(): pkijs.CryptoEngine {
  if (!engine) {
    engine = new pkijs.CryptoEngine({ name: 'node-webcrypto', crypto: globalThis.crypto });
    let current: ReturnType<typeof pkijs.getEngine> | undefined;
    try {
      current = pkijs.getEngine();
    } catch {
      current = undefined;
    }
    if (!current?.crypto) pkijs.setEngine('node-webcrypto', engine);
  }
  return engine;
}
