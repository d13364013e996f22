// Belt and braces with .npmrc: puppeteer must never download its own browser here.
module.exports = { skipDownload: true };
