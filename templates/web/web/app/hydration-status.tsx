"use client";

import { useEffect, useState } from "react";

/** Says whether React hydrated this page: its scripts ran under the nonce-based CSP. */
export function HydrationStatus() {
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  return (
    <p id="hydration" data-hydrated={hydrated ? "true" : "false"}>
      {hydrated ? "Interactive." : "Loading…"}
    </p>
  );
}
