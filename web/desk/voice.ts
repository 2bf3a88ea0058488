// #13 item 5: Twilio's Voice SDK for the desk, in its own bundle (loaded only when the API
// issues Voice tokens), exposed to the desk bundle as window.CallboxVoice.
import { Call, Device } from '@twilio/voice-sdk';

(window as unknown as { CallboxVoice: unknown }).CallboxVoice = { Device, Call };
