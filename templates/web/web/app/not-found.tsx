import { connection } from "next/server";

/** Rendered per request like every page, so that it too carries this request's CSP nonce. */
export default async function NotFound() {
  await connection();
  return (
    <>
      <h1>Not found</h1>
      <p>
        <a href="/">Home</a>
      </p>
    </>
  );
}
