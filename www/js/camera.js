// camera.js: "Use camera" in photos mode: a live preview (getUserMedia) and "Take photo", which
// sends the frame down the same path as an upload (photos.js showPhoto). Says plainly when there is
// no camera, no permission, or no camera access in this browser.
import { showPhoto } from './photos.js';
import { $, canvas2d, message, say } from './util.js';

let stream = null;

/** A refusal of getUserMedia in words for the visitor. */
function refusal(e) {
  const name = e && e.name;
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'Camera permission was refused: allow the camera for this page in the browser’s settings, or upload a photo instead.';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'No camera was found: upload a photo instead.';
  if (name === 'NotReadableError' || name === 'AbortError') return 'The camera could not start (another program may be using it): upload a photo instead.';
  return `The camera could not start (${message(e)}): upload a photo instead.`;
}

function showCamera(on, state) {
  $('camera-box').hidden = !on;
  $('camera-start').hidden = on;
  $('camera').dataset.state = state;
}

export async function startCamera() {
  if (stream) return true;
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    showCamera(false, 'unavailable');
    say('This browser gives the page no camera (it needs https or localhost, and camera support): upload a photo instead.', 'error');
    return false;
  }
  $('camera').dataset.state = 'asking';
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment', width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false });
  } catch (e) {
    showCamera(false, 'refused');
    say(refusal(e), 'error');
    return false;
  }
  const video = $('camera-video');
  video.srcObject = stream;
  try {
    await video.play();
  } catch (e) {
    stopCamera();
    say(refusal(e), 'error');
    return false;
  }
  showCamera(true, 'on');
  say('Camera on: point it at something and press “Take photo”.');
  return true;
}

export function stopCamera() {
  if (stream) for (const t of stream.getTracks()) t.stop();
  stream = null;
  $('camera-video').srcObject = null;
  if ($('camera').dataset.state === 'on') showCamera(false, 'off');
}

/** The current frame, scored like an upload. */
export function takePhoto() {
  const video = $('camera-video');
  const [w, h] = [video.videoWidth, video.videoHeight];
  if (!stream || !w || !h) return say('The camera has no picture yet: try again in a moment.', 'error');
  const [cv, ctx] = canvas2d(w, h);
  ctx.drawImage(video, 0, 0, w, h);
  showPhoto(cv, w, h, 'Camera photo', 'camera');
}

export function wireCamera() {
  $('camera-start').addEventListener('click', () => startCamera());
  $('camera-take').addEventListener('click', () => takePhoto());
  $('camera-stop').addEventListener('click', () => stopCamera());
}
