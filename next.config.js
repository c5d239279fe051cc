/** @type {import('next').NextConfig} */
const nextConfig = {
  // The app is static: no server code, so `out/` runs from any static host.
  output: 'export',
  images: { unoptimized: true },
  trailingSlash: true,
  reactStrictMode: true,
};

module.exports = nextConfig;
