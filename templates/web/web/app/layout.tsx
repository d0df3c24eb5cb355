import type { Metadata } from "next";
import type { ReactNode } from "react";
import { SITE_TITLE } from "@/lib/site";
import "./globals.css";

export const metadata: Metadata = {
  title: SITE_TITLE,
  description: "Signed-in users manage their projects.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header>
          <a href="/">{SITE_TITLE}</a>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
