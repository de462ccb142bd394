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
  | { readonly page: "topic"; readonly name: string }
  | { readonly page: "groups" }
  | { readonly page: "group"; readonly name: string }
  | { readonly page: "subscriptions" }
  | { readonly page: "subscription"; readonly name: string }
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
  for (const [page, one] of DETAIL_PAGES) {
    if (path === `/ui/${page}`) return { page };
    if (path.startsWith(`/ui/${page}/`)) {
      const name = decodeSegments(path.slice(`/ui/${page}/`.length));
      // Topic, group and subscription names have no slash: anything deeper is no page.
      return name === undefined || name.includes("/") ? { page: "not-found" } : { page: one, name };
    }
  }
  return { page: "not-found" };
}

/** List pages whose entries have a page of their own at `/ui/<list>/<name>`. */
const DETAIL_PAGES = [
  ["topics", "topic"],
  ["groups", "group"],
  ["subscriptions", "subscription"],
] as const;

/** The address of a topic's, group's or subscription's page. */
export function detailHref(list: "topics" | "groups" | "subscriptions", name: string): string {
  return `/ui/${list}/${encodeURIComponent(name)}`;
}

/** The list page a page belongs to, for the navigation. */
export function listOf(page: PageName): PageName {
  switch (page) {
    case "stream":
      return "streams";
    case "topic":
      return "topics";
    case "group":
      return "groups";
    case "subscription":
      return "subscriptions";
    default:
      return page;
  }
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
