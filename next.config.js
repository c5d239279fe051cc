/** @type {import('next').NextConfig} */
const nextConfig = {
  // The app is static: no server code, so `out/` runs from any static host.
  output: 'export',
  images: { unoptimized: true },
  trailingSlash: true,
  reactStrictMode: true,
  // `npm test` type-checks everything (tsc --noEmit) before it builds; the build does not do it again, so
  // that `npm start` needs no type packages beyond the few Next itself asks for.
  typescript: { ignoreBuildErrors: true },
  // One root layout per language (app/(en), app/[lang]): the 404 page is a document of its own.
  experimental: { globalNotFound: true },
};

module.exports = nextConfig;
