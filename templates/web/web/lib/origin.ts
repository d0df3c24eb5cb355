/**
 * Cookie-authenticated mutations in route handlers have no built-in CSRF protection (WEB-10): a POST, PUT,
 * PATCH or DELETE is accepted only when its Origin header is exactly this app's origin. A missing Origin is
 * refused too (every current browser sends it on cross-site and same-site non-GET requests).
 */
export function isSameOrigin(
  originHeader: string | null,
  appOrigin: string,
): boolean {
  if (originHeader === null || originHeader === "null") return false;
  let origin: URL;
  try {
    origin = new URL(originHeader);
  } catch {
    return false;
  }
  return (
    origin.origin === new URL(appOrigin).origin &&
    originHeader === origin.origin
  );
}
