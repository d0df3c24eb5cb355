import "server-only";
import { hkdfSync } from "node:crypto";
import { EncryptJWT, jwtDecrypt } from "jose";

/**
 * Authenticated encryption of cookie values (jose: JWE, direct key, A256GCM). The key is derived from
 * SESSION_SECRET with HKDF per purpose, so a login cookie can never be replayed as a session cookie.
 */
function key(secret: string, purpose: string): Uint8Array {
  return new Uint8Array(
    hkdfSync("sha256", secret, "secure-stack-web", `cookie:${purpose}`, 32),
  );
}

export async function seal(
  payload: Record<string, unknown>,
  secret: string,
  purpose: string,
  maxAgeSeconds: number,
): Promise<string> {
  return new EncryptJWT(payload)
    .setProtectedHeader({ alg: "dir", enc: "A256GCM" })
    .setIssuedAt()
    .setExpirationTime(`${maxAgeSeconds}s`)
    .setAudience(purpose)
    .encrypt(key(secret, purpose));
}

/** The payload, or null when the value is missing, tampered with, expired or sealed for another purpose. */
export async function unseal(
  value: string | undefined,
  secret: string,
  purpose: string,
): Promise<Record<string, unknown> | null> {
  if (value === undefined || value === "" || value.length > 8192) return null;
  try {
    const { payload } = await jwtDecrypt(value, key(secret, purpose), {
      audience: purpose,
      keyManagementAlgorithms: ["dir"],
      contentEncryptionAlgorithms: ["A256GCM"],
    });
    return payload;
  } catch {
    return null;
  }
}
