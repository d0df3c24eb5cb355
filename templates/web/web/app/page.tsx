import { connection } from "next/server";
import { SITE_TITLE } from "@/lib/site";
import { HydrationStatus } from "./hydration-status";

/** Public home page. Rendered per request (`connection()`), so every response carries a fresh CSP nonce. */
export default async function HomePage() {
  await connection();
  return (
    <>
      <h1>{SITE_TITLE}</h1>
      <p>
        <a href="/projects">Your projects</a> (sign-in required)
      </p>
      <HydrationStatus />
    </>
  );
}
