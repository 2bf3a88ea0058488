// #13 item 5: a Twilio Voice access token for a desk agent, so the desk page's
// @twilio/voice-sdk Device rings and answers `client:agent-<id>` (the identity the callback
// dials, activities/dialing.ts). Signed with an API key (SK…) of the account.
import twilio from 'twilio';

export interface VoiceTokenConfig {
  accountSid: string;
  apiKeySid: string;
  apiKeySecret: string;
  twimlAppSid: string;
  ttlSeconds: number;
}

export function voiceIdentity(agentId: string): string {
  return `agent-${agentId}`;
}

export function issueVoiceToken(
  config: VoiceTokenConfig,
  agentId: string,
): { token: string; identity: string; ttl: number } {
  const { AccessToken } = twilio.jwt;
  const identity = voiceIdentity(agentId);
  const token = new AccessToken(config.accountSid, config.apiKeySid, config.apiKeySecret, {
    identity,
    ttl: config.ttlSeconds,
  });
  token.addGrant(new AccessToken.VoiceGrant({ incomingAllow: true, outgoingApplicationSid: config.twimlAppSid }));
  return { token: token.toJwt(), identity, ttl: config.ttlSeconds };
}
