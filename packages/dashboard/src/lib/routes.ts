/**
 * The dashboard's pages by URL: every page has a shareable address under /ui. Pure: the app
 * maps a route to its page component, the navigation lists the pages with a `nav` label.
 * A new page is an entry here and a file under pages/.
 */

export type Route =
  | { readonly page: "overview" }
  | { readonly page: "streams" }
  | { readonly page: "stream"; readonly path: string }
  | { readonly page: "topics" }
  | { readonly page: "groups" }
  | { readonly page: "subscriptions" }
  | { readonly page: "not-found" };

export type PageName = Route["page"];

/** The navigation: pages in order, the key that goes there after `g`. */
export const NAV: ReadonlyArray<{
  readonly page: PageName;
  readonly label: string;
  readonly href: string;
  readonly key: string;
}> = [
  { page: "overview", label: "Overview", href: "/ui", key: "o" },
  { page: "streams", label: "Streams", href: "/ui/streams", key: "s" },
  { page: "topics", label: "Topics", href: "/ui/topics", key: "t" },
  { page: "groups", label: "Groups", href: "/ui/groups", key: "g" },
  { page: "subscriptions", label: "Subscriptions", href: "/ui/subscriptions", key: "u" },
];

export function matchRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, "");
  if (path === "/ui" || path === "") return { page: "overview" };
  if (path === "/ui/streams") return { page: "streams" };
  if (path.startsWith("/ui/streams/")) {
    const name = decodeSegments(path.slice("/ui/streams/".length));
    return name === undefined ? { page: "not-found" } : { page: "stream", path: name };
  }
  for (const page of ["topics", "groups", "subscriptions"] as const) {
    if (path === `/ui/${page}`) return { page };
  }
  return { page: "not-found" };
}

/** The address of a stream's page: its name, each segment encoded (so `a/b` stays readable). */
export function streamHref(name: string): string {
  return `/ui/streams/${name.split("/").map(encodeURIComponent).join("/")}`;
}

function decodeSegments(encoded: string): string | undefined {
  try {
    return encoded.split("/").map(decodeURIComponent).join("/");
  } catch {
    return undefined;
  }
}
