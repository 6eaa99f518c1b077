// @ts-check
/* global fetch, URLSearchParams */
/**
 * Posts a file's bytes to the host, which streams them into the tab's `client.sendFile()`. The
 * progress comes back over the WebSocket as the PieChat server receives the bytes, so the bar
 * shows the whole transfer, not only the hop to the host.
 *
 * @typedef {import('../protocol.js').UploadResponse} UploadResponse
 */

/**
 * @param {File} file
 * @param {string} room
 * @param {string} session the tab's session id
 * @returns {Promise<UploadResponse>} the stored file, or the error the host reported
 */
export async function postFile(file, room, session) {
  const query = new URLSearchParams({ session, room, name: file.name });
  let response;
  try {
    response = await fetch(`/upload?${query}`, { method: 'POST', body: file });
  } catch {
    return { error: { code: 'ERR_NOT_CONNECTED', message: 'The web host could not be reached' } };
  }
  try {
    return /** @type {UploadResponse} */ (await response.json());
  } catch {
    return { error: { code: 'ERR_INTERNAL', message: `The web host answered HTTP ${response.status}` } };
  }
}
