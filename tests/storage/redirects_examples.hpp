// The `_redirects` file of the Web _redirects File spec's "examples" fixture site, shared by
// the parser and the routing tests.
#pragma once

namespace mantle::testing {

inline const char* spec_example_redirects =
    "/redirect-one /one.html\n"
    "/301-redirect-one /one.html 301\n"
    "/302-redirect-two /two.html 302\n"
    "/200-index /index.html 200\n"
    "/posts/:year/:month/:day/:title /articles/:year/:month/:day/:title 301\n"
    "/splat/* /redirected-splat/:splat 301\n"
    "/not-found/* /404.html 404\n"
    "/gone/* /410.html 410\n"
    "/unavail/* /451.html 451\n"
    "/* /index.html 200\n";

} // namespace mantle::testing
