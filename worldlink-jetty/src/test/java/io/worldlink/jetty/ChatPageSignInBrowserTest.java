package io.worldlink.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.HmacTokens;
import io.worldlink.Identity;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * A signed user signs in on the page with a token that {@code mint-token} made: the page shows who they are
 * and their worlds, opens one with the token on the WebSocket and on REST, keeps the sign-in across a
 * refresh, and signs out.
 */
class ChatPageSignInBrowserTest extends PageBrowserTest {
    static final String SECRET = "a secret of at least thirty-two characters";

    WebElement field(String id) {
        return browser.findElement(By.id(id));
    }

    @Test
    void aSignedUserSignsInOpensTheirWorldsAndSignsOut() throws Exception {
        HmacTokens tokens = HmacTokens.withSecret(SECRET);
        serve(offline(Duration.ZERO).authenticator(tokens), b -> b);
        String token = tokens.mint("ann", Duration.ofHours(1));
        // Ann has a world already, made by another client.
        link.createWorld(Identity.of("ann"), "ann", "Garden", "fast-world", null).get(15, TimeUnit.SECONDS);
        openPage();
        String anonymous = field("user").getAttribute("value");

        field("token").sendKeys(HmacTokens.withSecret(SECRET.toUpperCase()).mint("ann", Duration.ofHours(1)));
        assertEquals("ann", field("signed-user").getAttribute("value"), "the token names its user");
        field("sign-in").click();
        wait.until(ExpectedConditions.textToBePresentInElement(field("signin-note"), "Not signed in"));
        assertTrue(field("signin-note").getText().contains("signature is not valid"), field("signin-note").getText());
        assertEquals(anonymous, field("user").getAttribute("value"), "a refused token signs nobody in");

        field("token").clear();
        field("token").sendKeys(token);
        field("sign-in").click();
        wait.until(ExpectedConditions.textToBe(By.id("user-label"), "Signed in as"));
        assertEquals("ann", field("user").getAttribute("value"));
        assertTrue(!field("signin").isDisplayed() && field("sign-out").isDisplayed());
        WebElement garden = wait.until(ExpectedConditions.elementToBeClickable(
                By.cssSelector("#my-worlds button[data-world='garden']")));

        garden.click();
        wait.until(ExpectedConditions.textToBe(By.id("state"), "connected"));
        assertTrue(String.valueOf(browser.executeScript("return window.worldlink.ws.url")).contains("?token="),
                "the WebSocket carries the token");
        send("Hello from Ann");
        awaitShown(List.of("Hello from Ann"), 1);
        awaitTurnOver();
        // The turn limit comes from REST, which answers only with the token.
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".agent .counts"),
                "1 of 2 calls this turn"));

        browser.navigate().refresh();
        wait.until(ExpectedConditions.textToBe(By.id("state"), "connected"));
        awaitShown(List.of("Hello from Ann"), 1);
        assertEquals("ann", field("user").getAttribute("value"), "still signed in");
        assertEquals("Signed in as", field("user-label").getText());

        field("sign-out").click();
        wait.until(ExpectedConditions.textToBe(By.id("user-label"), "You are anonymous"));
        assertEquals(anonymous, field("user").getAttribute("value"));
        assertNotEquals("connected", field("state").getText());
        assertTrue(humanMessages().isEmpty(), "Ann's world is no longer shown");
        browser.navigate().refresh();
        wait.until(ExpectedConditions.attributeToBe(By.id("template"), "data-loaded", "true"));
        assertEquals("You are anonymous", field("user-label").getText(), "signing out lasts");
    }
}
