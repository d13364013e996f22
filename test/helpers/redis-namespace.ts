import { createClient } from "@keyv/redis";

/** Deletes every key a Redis store wrote under `namespace` (keyv's "<namespace>::" prefix), so tests leave nothing behind. */
export async function deleteRedisNamespace(redisUrl: string, namespace: string): Promise<void> {
  const client = createClient({ url: redisUrl });
  await client.connect();
  try {
    for await (const keys of client.scanIterator({ MATCH: `${namespace}::*`, COUNT: 500 })) {
      if (keys.length > 0) await client.del(keys);
    }
  } finally {
    client.destroy();
  }
}
